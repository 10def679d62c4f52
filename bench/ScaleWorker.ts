/**
 * One size of the scale benchmark, in a process of its own so its host RSS and CPU are its alone:
 * `node dist/bench/ScaleWorker.js <members>` starts a node (supervision and chains, as the invoke
 * benchmark does) with that many bundled echo modules, measures, stops them all, and prints
 * `pids <pid,...>` once they are up and `result <json>` at the end. SIGTERM stops the modules first.
 */
import { NodeContext } from "@effect/platform-node"
import { Effect, Layer, ManagedRuntime } from "effect"
import * as Path from "node:path"
import { decodeNodeConfig } from "../src/config/ConfigLoader.js"
import type { WorkflowEnvelope } from "../src/contract/Envelope.js"
import * as OrbiplexNode from "../src/node/OrbiplexNode.js"
import { ModuleClient } from "../src/supervisor/ModuleClient.js"
import { Supervisor } from "../src/supervisor/Supervisor.js"
import { cpuMs, rssMb } from "./Procs.js"
import { repoRoot } from "./Stats.js"

const IDLE_MS = Number(process.env["BENCH_SCALE_IDLE_MS"] ?? 6_000)
const IN_FLIGHT = 32
const LIST_READS = 200

/** What one size measured. */
export interface SizeResult {
  readonly members: number
  readonly ready: number
  readonly readyMs: number
  readonly hostRssBeforeMb: number
  readonly hostRssMb: number
  readonly hostHeapUsedMb: number
  readonly moduleRssMb: number
  readonly hostIdleCpuPercent: number
  readonly moduleIdleCpuPercent: number
  readonly calls: number
  readonly callsPerSecond: number
  readonly listMicros: number
  readonly stopMs: number
}

const envelope = (index: number): WorkflowEnvelope => ({
  schema_version: "workflow-envelope.v1",
  envelope_id: `env_${index}`,
  hook: "service.execute",
  correlation_id: "bench-scale",
  payload: { text: "x".repeat(200), n: index },
  annotations: {},
  intent_results: [],
  trace: { causality_id: "cause:bench-scale", hop: 0, component_path: [] },
  deadline_ms: 10_000
})

const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis))

const measure = async (members: number): Promise<SizeResult> => {
  const root = repoRoot()
  const ids = Array.from({ length: members }, (_, i) => `echo-${i + 1}`)
  const document = { node: { id: "bench-scale" }, modules: ids.map((id) => ({ id, bundled: "echo" })) }
  const config = await Effect.runPromise(decodeNodeConfig(Path.join(root, "bench-scale.json"), document).pipe(Effect.provide(NodeContext.layer)))
  const hostRssBeforeMb = process.memoryUsage().rss / 1024 / 1024
  const runtime = ManagedRuntime.make(OrbiplexNode.layer(config).pipe(Layer.provide(OrbiplexNode.logLevelLayer("warning"))))
  let disposed = false
  const dispose = async () => {
    if (disposed) return
    disposed = true
    await runtime.dispose()
  }
  // Cut short: stop the modules and leave at once, before a pending call meets the disposed runtime.
  process.once("SIGTERM", () => {
    console.error(`  [${members}] SIGTERM: stopping the modules`)
    void dispose().then(() => process.exit(143))
  })
  try {
    const started = performance.now()
    const supervisor = await runtime.runPromise(Supervisor)
    const statuses = await runtime.runPromise(supervisor.awaitSettled)
    const readyMs = performance.now() - started
    const pids = statuses.flatMap((status) => (status.pid === undefined ? [] : [status.pid]))
    console.log(`pids ${pids.join(",")}`)
    // Phases on stderr, so a run cut short by the timeout says where it was.
    console.error(`  [${members}] ${statuses.filter((status) => status.state === "ready").length} ready after ${readyMs.toFixed(0)} ms; idle window`)

    // Idle: nothing but health checks; the start-up garbage gets a second to settle first.
    await sleep(1_000)
    const hostCpu = process.cpuUsage()
    const moduleCpu = pids.map((pid) => cpuMs(pid) ?? 0)
    await sleep(IDLE_MS)
    const hostUsed = process.cpuUsage(hostCpu)
    const moduleUsedMs = pids.map((pid, i) => (cpuMs(pid) ?? 0) - (moduleCpu[i] ?? 0)).reduce((sum, x) => sum + x, 0)
    const memory = process.memoryUsage()
    const moduleRssMb = pids.map((pid) => rssMb(pid) ?? 0).reduce((sum, x) => sum + x, 0)

    // The status read an operator API call makes, per read.
    const listStarted = performance.now()
    await runtime.runPromise(Effect.repeatN(supervisor.list, LIST_READS - 1))
    const listMicros = ((performance.now() - listStarted) / LIST_READS) * 1_000

    console.error(`  [${members}] invokes`)
    // Invokes spread round-robin over every member, 32 in flight, after one warm-up call to each.
    const client = await runtime.runPromise(ModuleClient)
    const calls = Math.max(2_000, members * 20)
    const callsPerSecond = await runtime.runPromise(Effect.gen(function*() {
      yield* Effect.forEach(ids, (id, i) => client.invoke(id, envelope(i)), { concurrency: IN_FLIGHT, discard: true })
      const t0 = performance.now()
      yield* Effect.forEach(
        Array.from({ length: calls }, (_, i) => i),
        (i) => client.invoke(ids[i % members] ?? "echo-1", envelope(i)),
        { concurrency: IN_FLIGHT, discard: true }
      )
      return calls / ((performance.now() - t0) / 1_000)
    }))

    const stopStarted = performance.now()
    await dispose()
    const stopMs = performance.now() - stopStarted
    return {
      members,
      ready: statuses.filter((status) => status.state === "ready").length,
      readyMs,
      hostRssBeforeMb,
      hostRssMb: memory.rss / 1024 / 1024,
      hostHeapUsedMb: memory.heapUsed / 1024 / 1024,
      moduleRssMb,
      hostIdleCpuPercent: ((hostUsed.user + hostUsed.system) / 1_000 / IDLE_MS) * 100,
      moduleIdleCpuPercent: (moduleUsedMs / IDLE_MS) * 100,
      calls,
      callsPerSecond,
      listMicros,
      stopMs
    }
  } finally {
    await dispose()
  }
}

const members = Number(process.argv[2])
if (Number.isInteger(members) && members > 0) {
  const result = await measure(members)
  console.log(`result ${JSON.stringify(result)}`)
  // Sockets of the undici pool may linger; the measurement is done and every module stopped.
  process.exit(0)
}
