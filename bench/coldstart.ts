/**
 * Cold start (issue 13 item 5): wall time of `orbiplex --help`, `status` with no node, `validate`
 * of orbiplex.json, `start` until its first module is spawned, and the host's RSS with one module
 * ready. The baseline is a bare `node -e 0`, run interleaved with each command so drift on a shared
 * machine hits both alike. Every `start` is stopped with SIGTERM and its module checked gone.
 *
 * The launcher keeps V8's code cache per command (src/launch/CompileCache.ts) in a folder of this
 * run's own: each command runs once untimed to write it, so the rows are what every run after a
 * command's first costs; the first runs, compiled from source, are printed beside them.
 */
import { spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { recordGoal } from "./Goals.js"
import { childrenOf, type Finished, freePort, killLeftovers, median, pollUntil, rssMb, runTimed, waitExit } from "./Procs.js"
import { ms, record, repoRoot, table } from "./Stats.js"

const root = repoRoot()
// BENCH_COLDSTART_BIN measures another build of the CLI (e.g. an older commit's) against the same baseline.
const bin = process.env["BENCH_COLDSTART_BIN"] ?? Path.join(root, "dist", "cli", "orbiplex.js")
const ROUNDS = Number(process.env["BENCH_COLDSTART_ROUNDS"] ?? 7)
const START_ROUNDS = Number(process.env["BENCH_COLDSTART_START_ROUNDS"] ?? 3)

const node = (args: ReadonlyArray<string>, env?: NodeJS.ProcessEnv): Promise<Finished> =>
  runTimed(process.execPath, args, { cwd: root, ...(env === undefined ? {} : { env }) })

/** The environment of a run: the compile cache in `folder`, or `off`. */
const compileCache = (folder: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  ...process.env,
  ...extra,
  ORBIPLEX_COMPILE_CACHE: folder
})

/** Median wall time of `command` and of the bare baseline, the two run in turn `ROUNDS` times. */
const interleaved = async (command: () => Promise<Finished>) => {
  const own: Array<number> = []
  const bare: Array<number> = []
  let last: Finished | undefined
  for (let round = 0; round < ROUNDS; round++) {
    bare.push((await node(["-e", "0"])).wallMs)
    last = await command()
    own.push(last.wallMs)
  }
  return { ms: median(own), bareMs: median(bare), min: Math.min(...own), code: last?.code ?? null, stderr: last?.stderr ?? "" }
}

/** One `orbiplex start` of a one-module config: spawn of the first module, readiness, RSS, stop. */
const startOnce = async (config: string, env: NodeJS.ProcessEnv) => {
  const started = performance.now()
  const child = spawn(process.execPath, [bin, "start", "--config", config], { cwd: Path.dirname(config), env, stdio: ["ignore", "ignore", "pipe"] })
  let log = ""
  child.stderr.on("data", (chunk: Buffer) => (log += chunk.toString()))
  const pid = child.pid ?? -1
  const seen = new Set<number>()
  try {
    // Polled every millisecond: the spawn is seen within about one poll of its happening.
    const first = await pollUntil(() => childrenOf(pid)[0], 15_000, 1)
    const spawnMs = performance.now() - started
    if (first === undefined) throw new Error(`start spawned no module within 15 s:\n${log}`)
    seen.add(first)
    const ready = await pollUntil(() => (log.includes("member(s) serving") ? true : undefined), 15_000, 10)
    if (ready === undefined) throw new Error(`the module did not become ready within 15 s:\n${log}`)
    const readyMs = performance.now() - started
    // Let the start-up garbage settle before reading memory, as an operator would see it a moment later.
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    for (const module of childrenOf(pid)) seen.add(module)
    const hostRss = rssMb(pid) ?? NaN
    const moduleRss = [...seen].map((module) => rssMb(module) ?? 0).reduce((sum, x) => sum + x, 0)
    return { spawnMs, readyMs, hostRss, moduleRss }
  } finally {
    child.kill("SIGTERM")
    const exited = await waitExit(child, 10_000)
    const leftovers = killLeftovers(seen)
    if (!exited || leftovers.length > 0) console.error(`  warning: start did not stop cleanly (exited: ${exited}, killed modules: ${leftovers.join(", ") || "none"})`)
  }
}

export const run = async () => {
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "orbiplex-coldstart-"))
  try {
    const port = await freePort()
    const statusConfig = Path.join(dir, "status.json")
    Fs.writeFileSync(statusConfig, JSON.stringify({ node: { id: "coldstart", data_dir: Path.join(dir, "status-data") }, operator: { listen: `127.0.0.1:${port}` } }))
    const startConfig = Path.join(dir, "start.json")
    Fs.writeFileSync(startConfig, JSON.stringify({
      node: { id: "coldstart", data_dir: Path.join(dir, "start-data") },
      operator: { listen: "127.0.0.1:0" },
      modules: [{ id: "echo", bundled: "echo" }]
    }))

    const cacheFolder = Path.join(dir, "compile-cache")
    const cache = compileCache(cacheFolder)
    const noCache = compileCache("off")
    // The token comes from the environment so `status` goes as far as the connection it cannot make.
    const statusEnv = compileCache(cacheFolder, { ORBIPLEX_OPERATOR_TOKEN: "coldstart" })
    const helpArgs = [bin, "--help"]
    const statusArgs = [bin, "status", "--config", statusConfig]
    const validateArgs = [bin, "validate", "--config", Path.join(root, "orbiplex.json")]
    for (const args of [helpArgs, statusArgs, validateArgs]) await node(args, statusEnv)

    const help = await interleaved(() => node(helpArgs, cache))
    const helpFirst = await interleaved(() => node(helpArgs, noCache))
    const status = await interleaved(() => node(statusArgs, statusEnv))
    const validate = await interleaved(() => node(validateArgs, cache))
    if (help.code !== 0) console.error(`  warning: --help exited ${help.code}: ${help.stderr}`)
    if (status.code !== 1) console.error(`  warning: status with no node exited ${status.code} (expected 1): ${status.stderr}`)
    if (validate.code !== 0) console.error(`  warning: validate exited ${validate.code}: ${validate.stderr}`)

    const bareRss = Number((await node(["-e", "process.stdout.write(String(process.memoryUsage().rss))"])).stdout) / 1024 / 1024
    // The first start writes the compile cache (and is reported as such); the rounds after it read it.
    Fs.rmSync(Path.join(dir, "start-data"), { recursive: true, force: true })
    const startFirst = await startOnce(startConfig, cache)
    const starts: Array<Awaited<ReturnType<typeof startOnce>>> = []
    const bareForStart: Array<number> = []
    for (let round = 0; round < START_ROUNDS; round++) {
      bareForStart.push((await node(["-e", "0"])).wallMs)
      Fs.rmSync(Path.join(dir, "start-data"), { recursive: true, force: true })
      starts.push(await startOnce(startConfig, cache))
    }
    const start = {
      spawnMs: median(starts.map((s) => s.spawnMs)),
      readyMs: median(starts.map((s) => s.readyMs)),
      hostRssMb: median(starts.map((s) => s.hostRss)),
      moduleRssMb: median(starts.map((s) => s.moduleRss)),
      bareMs: median(bareForStart)
    }

    table(`cold start, median of ${ROUNDS} runs (start: ${START_ROUNDS}), each beside bare node -e 0 run in turn`, [
      ["", "wall ms", "min ms", "bare node ms", "ratio"],
      ["orbiplex --help", ms(help.ms), ms(help.min), ms(help.bareMs), (help.ms / help.bareMs).toFixed(1) + "x"],
      ["orbiplex --help, no compile cache (a first run)", ms(helpFirst.ms), ms(helpFirst.min), ms(helpFirst.bareMs), (helpFirst.ms / helpFirst.bareMs).toFixed(1) + "x"],
      ["orbiplex status (no node, exit 1)", ms(status.ms), ms(status.min), ms(status.bareMs), (status.ms / status.bareMs).toFixed(1) + "x"],
      ["orbiplex validate orbiplex.json", ms(validate.ms), ms(validate.min), ms(validate.bareMs), (validate.ms / validate.bareMs).toFixed(1) + "x"],
      ["orbiplex start → first module spawned", ms(start.spawnMs), ms(Math.min(...starts.map((s) => s.spawnMs))), ms(start.bareMs), (start.spawnMs / start.bareMs).toFixed(1) + "x"],
      ["orbiplex start → first module spawned, first run (writes the cache)", ms(startFirst.spawnMs), "", "", ""],
      ["orbiplex start → all ready (summary line)", ms(start.readyMs), ms(Math.min(...starts.map((s) => s.readyMs))), ms(start.bareMs), (start.readyMs / start.bareMs).toFixed(1) + "x"]
    ])
    table("memory with one echo module ready (1 s after the summary line)", [
      ["", "RSS MB", "bare node MB"],
      ["host (orbiplex start)", start.hostRssMb.toFixed(1), bareRss.toFixed(1)],
      ["echo module", start.moduleRssMb.toFixed(1), ""]
    ])
    recordGoal("coldstart", "helpWall", help.ms, help.bareMs)
    recordGoal("coldstart", "statusWall", status.ms, status.bareMs)
    recordGoal("coldstart", "startToSpawn", start.spawnMs, start.bareMs)
    recordGoal("coldstart", "hostRssOneModule", start.hostRssMb, bareRss)
    record(root, "coldstart", { rounds: ROUNDS, help, helpFirst, status, validate, start, startFirst, starts, bareRssMb: bareRss })
  } finally {
    Fs.rmSync(dir, { recursive: true, force: true })
  }
}
