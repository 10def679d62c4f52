/**
 * Scale with members (issue 13 item 4): one node with 1 (the baseline), then 10, 50 and 200 bundled
 * echo modules (`--sizes 10,50` or BENCH_SCALE_SIZES to choose), each size in a fresh worker
 * process (bench/ScaleWorker.ts): time until all ready, host RSS and per-member memory, host CPU at
 * idle (health checks included), invoke throughput spread over all members, the cost of a status
 * read, and how each grows per member between sizes. Every module the worker started is checked
 * gone afterwards, and killed if it is not.
 */
import { spawn } from "node:child_process"
import * as Path from "node:path"
import { recordGoal } from "./Goals.js"
import { childrenOf, killLeftovers } from "./Procs.js"
import type { SizeResult } from "./ScaleWorker.js"
import { ms, record, repoRoot, table } from "./Stats.js"

const root = repoRoot()

/** The sizes asked for: `--sizes 10,50` / `--sizes=10,50`, else BENCH_SCALE_SIZES, else 10,50,200. */
const sizesAsked = (): ReadonlyArray<number> => {
  const args = process.argv
  const flag = args.findIndex((arg) => arg === "--sizes" || arg.startsWith("--sizes="))
  const text = flag < 0 ? process.env["BENCH_SCALE_SIZES"] ?? "10,50,200" : args[flag]?.includes("=") ? args[flag]?.split("=")[1] : args[flag + 1]
  return (text ?? "").split(",").map(Number).filter((n) => Number.isInteger(n) && n > 0)
}

/** Runs one size in a worker; whatever happens, no module it started outlives it. */
const runSize = (members: number): Promise<SizeResult> =>
  new Promise((resolve, reject) => {
    const worker = spawn(process.execPath, [Path.join(root, "dist", "bench", "ScaleWorker.js"), String(members)], {
      cwd: root,
      stdio: ["ignore", "pipe", "inherit"]
    })
    const workerPid = worker.pid ?? -1
    const modules = new Set<number>()
    let result: SizeResult | undefined
    let output = ""
    worker.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString()
      const lines = output.split("\n")
      output = lines.pop() ?? ""
      for (const line of lines) {
        if (line.startsWith("pids ")) for (const pid of line.slice(5).split(",")) modules.add(Number(pid))
        if (line.startsWith("result ")) result = JSON.parse(line.slice(7))
      }
    })
    // Generous for 2 shared cores: python start-ups queue behind each other.
    const timeoutMs = 60_000 + members * 1_000
    const timer = setTimeout(() => {
      // Learn the modules from the process tree before the worker goes, in case it never printed them.
      for (const pid of childrenOf(workerPid)) modules.add(pid)
      worker.kill("SIGTERM")
    }, timeoutMs)
    worker.on("exit", (code) => {
      clearTimeout(timer)
      const killed = killLeftovers(modules)
      if (killed.length > 0) console.error(`  warning: ${killed.length} module(s) of the ${members}-member run outlived it; killed`)
      if (result !== undefined && code === 0) resolve(result)
      else reject(new Error(`the ${members}-member run ended with code ${code} and no result (timeout ${timeoutMs} ms)`))
    })
    process.once("exit", () => {
      if (worker.exitCode === null) worker.kill("SIGTERM")
    })
  })

/** "linear" when the per-member cost stays within 1.5x from one size to the next. */
const growth = (perMember: (r: SizeResult) => number, from: SizeResult, to: SizeResult): string => {
  const ratio = perMember(to) / perMember(from)
  return `${ratio.toFixed(2)}x per member ${ratio <= 1.5 ? "(linear)" : "(worse than linear)"}`
}

const fixed = (value: number, digits = 1) => value.toFixed(digits)

export const run = async () => {
  const sizes = [1, ...sizesAsked().filter((n) => n !== 1)]
  const results: Array<SizeResult> = []
  for (const members of sizes) {
    process.stdout.write(`  ${members} member(s)… `)
    // A size that does not finish (timeout on a loaded machine) is reported and the larger ones skipped;
    // the sizes that did finish still make the table.
    const outcome = await runSize(members).then((result) => ({ result }), (error: unknown) => ({ error: String(error) }))
    if ("error" in outcome) {
      console.log(`did not finish: ${outcome.error}`)
      break
    }
    console.log(`ready in ${ms(outcome.result.readyMs)} ms`)
    results.push(outcome.result)
  }
  const baseline = results[0]
  if (baseline === undefined) return
  const addedRss = (r: SizeResult) => r.hostRssMb - baseline.hostRssMb
  table("scale: one node, N bundled echo modules (each size in a fresh process; N = 1 is the baseline)", [
    ["N", "ready", "ready ms", "ms/member", "host RSS MB", "host +MB/member", "module RSS MB/member", "host idle CPU %", "modules idle CPU %", "invokes/s (all members)", "vs N=1", "status read µs", "stop ms"],
    ...results.map((r) => [
      String(r.members),
      `${r.ready}/${r.members}`,
      ms(r.readyMs),
      ms(r.readyMs / r.members),
      fixed(r.hostRssMb),
      r.members === 1 ? "-" : fixed(addedRss(r) / (r.members - 1), 2),
      fixed(r.moduleRssMb / r.members),
      fixed(r.hostIdleCpuPercent, 2),
      fixed(r.moduleIdleCpuPercent, 2),
      r.callsPerSecond.toFixed(0),
      (r.callsPerSecond / baseline.callsPerSecond).toFixed(2) + "x",
      fixed(r.listMicros),
      ms(r.stopMs)
    ])
  ])
  // Growth between consecutive sizes beyond the baseline (1 → 10 is mostly the node's fixed cost).
  const grown = results.slice(1)
  const steps = grown.slice(1).map((to, i) => ({ from: grown[i] ?? to, to }))
  if (steps.length > 0) {
    table("growth per member between sizes (within 1.5x: linear)", [
      ["", ...steps.map(({ from, to }) => `${from.members} → ${to.members}`)],
      ["time to all ready", ...steps.map(({ from, to }) => growth((r) => r.readyMs / r.members, from, to))],
      ["host RSS above N=1", ...steps.map(({ from, to }) => growth((r) => addedRss(r) / (r.members - 1), from, to))],
      ["module RSS", ...steps.map(({ from, to }) => growth((r) => r.moduleRssMb / r.members, from, to))],
      ["host idle CPU", ...steps.map(({ from, to }) => growth((r) => r.hostIdleCpuPercent / r.members, from, to))],
      ["status read", ...steps.map(({ from, to }) => growth((r) => r.listMicros / r.members, from, to))],
      ["stop all", ...steps.map(({ from, to }) => growth((r) => r.stopMs / r.members, from, to))]
    ])
  }
  for (const r of results) {
    if (r.members === 10) recordGoal("scale", "ready10", r.readyMs, baseline.readyMs)
    if (r.members === 50) recordGoal("scale", "ready50", r.readyMs, baseline.readyMs)
  }
  record(root, "scale", { sizes, results })
}
