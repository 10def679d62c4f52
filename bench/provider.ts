/**
 * Provider and pipeline benchmarks (issue 5): (a) a provider call through the runtime (validation,
 * call policies, headers, output decode) vs raw undici to the same provider, same run; (b) a
 * 1000-step pipeline of in-process steps vs calling the module 1000 times directly (scheduling
 * overhead per step), as a chain and as a fan-out, with and without call options; (c) 32 provider
 * calls as parallel pipeline steps vs 32 sequential calls.
 */
import { Effect, Layer, ManagedRuntime, Schema } from "effect"
import { randomUUID } from "node:crypto"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { Agent } from "undici"
import * as PipelineNode from "../src/node/PipelineNode.js"
import { Pipelines } from "../src/pipeline/Pipelines.js"
import { Normalize, standardModules } from "../src/pipeline/StandardModules.js"
import { ProviderClient } from "../src/provider/ProviderClient.js"
import { ProviderEntry } from "../src/provider/ProviderConfig.js"
import { ProviderRegistry } from "../src/provider/ProviderRegistry.js"
import * as LifecycleLog from "../src/supervisor/LifecycleLog.js"
import * as OrbiplexNode from "../src/node/OrbiplexNode.js"
import { recordGoal } from "./Goals.js"
import { ms, record, repoRoot, summarize, table } from "./Stats.js"

const root = repoRoot()
const CALLS = Number(process.env["BENCH_CALLS"] ?? 3_000)
const WARMUP = 300
const STEPS = 1_000
const FAN = 32

const now = () => performance.now()

/** Times `n` runs of `run` one after another; returns the per-run samples (ms). */
const sampleEffect = <E>(n: number, run: Effect.Effect<unknown, E>) =>
  Effect.gen(function*() {
    const samples: Array<number> = []
    for (let i = 0; i < n; i++) {
      const start = now()
      yield* run
      samples.push(now() - start)
    }
    return samples
  })

export const run = async () => {
  const python: string = JSON.parse(Fs.readFileSync(Path.join(root, "build/modules/manifest.json"), "utf8")).python
  const fixture = Path.join(root, "test/fixtures/provider_fixture.py")
  const supervised = (name: string, path: string) =>
    Schema.decodeUnknownSync(ProviderEntry)({
      name,
      url: `http://127.0.0.1:0${path}`,
      health_url: "http://127.0.0.1:0/health",
      input_schema: { text: "String" },
      output_schema: { text: "String" },
      launch: { executable: python, args: [fixture], cwd: Path.dirname(fixture) }
    })
  const chain = Object.fromEntries(Array.from({ length: STEPS }, (_, i) => [`s${i}`, { module: "Normalize", input: { text: i === 0 ? "$inputs.text" : `$steps.s${i - 1}.text` } }]))
  const fan = (module: string, n: number, options?: Record<string, unknown>) =>
    Object.fromEntries(Array.from({ length: n }, (_, i) => [`s${i}`, { module, input: { text: "$inputs.text" }, ...(options === undefined ? {} : { with: options }) }]))
  const withOptions = (steps: Record<string, { module: string; input: unknown }>) =>
    Object.fromEntries(Object.entries(steps).map(([k, v]) => [k, { ...v, with: { retry: 1 } }]))
  const pipeline = (steps: Record<string, unknown>) => ({ inputs: { text: "String" }, steps })
  const layer = PipelineNode.layer({
    providers: [supervised("Echo", "/echo"), supervised("Slow", "/slow?ms=10")],
    pipelines: {
      chain: pipeline(chain),
      chainWithOptions: pipeline(withOptions(chain)),
      fan: pipeline(fan("Normalize", STEPS)),
      providerFan: pipeline(fan("Slow", FAN)),
      echoFan: pipeline(fan("Echo", FAN))
    },
    modules: standardModules
  }).pipe(Layer.provide(LifecycleLog.layer), Layer.provide(OrbiplexNode.logLevelLayer("warning")))
  const runtime = ManagedRuntime.make(layer)
  try {
    const client = await runtime.runPromise(ProviderClient)
    const registry = await runtime.runPromise(ProviderRegistry)
    const pipelines = await runtime.runPromise(Pipelines)
    const statuses = await runtime.runPromise(registry.processes)
    const origin = statuses.find((s) => s.name === "Echo")?.origin
    if (origin === undefined) throw new Error("the Echo provider did not start")
    const input = { text: "x".repeat(200) }
    const body = JSON.stringify(input)

    // (a) runtime vs raw undici, interleaved twice so drift on a shared machine hits both alike.
    const agent = new Agent({ keepAliveTimeout: 10_000 })
    const decode = Schema.decodeUnknownSync(Schema.Struct({ text: Schema.String }))
    const raw = async () => {
      const response = await agent.request({
        origin,
        path: "/echo",
        method: "POST",
        // The very headers the runtime sends, so the provider does the same work for both.
        headers: {
          "content-type": "application/json",
          "x-execution-id": randomUUID(),
          "x-timeout-ms": "30000",
          traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        },
        body
      })
      return decode(await response.body.json())
    }
    const rawRound = async () => {
      for (let i = 0; i < WARMUP; i++) await raw()
      const samples: Array<number> = []
      for (let i = 0; i < CALLS; i++) {
        const start = now()
        await raw()
        samples.push(now() - start)
      }
      return summarize(samples)
    }
    const call = client.call("Echo", input)
    const runtimeRound = () =>
      runtime.runPromise(Effect.zipRight(sampleEffect(WARMUP, call), sampleEffect(CALLS, call))).then(summarize)
    const raw1 = await rawRound()
    const rt1 = await runtimeRound()
    const raw2 = await rawRound()
    const rt2 = await runtimeRound()
    await agent.close()
    const rawBest = raw1.p50 <= raw2.p50 ? raw1 : raw2
    const rtBest = rt1.p50 <= rt2.p50 ? rt1 : rt2
    const added = rtBest.p50 - rawBest.p50
    table(`(a) provider call, fixture /echo, ${CALLS} sequential calls (best of 2 rounds)`, [
      ["", "p50 ms", "p90 ms", "p99 ms"],
      ["raw undici (baseline)", ms(rawBest.p50), ms(rawBest.p90), ms(rawBest.p99)],
      ["runtime ProviderClient.call", ms(rtBest.p50), ms(rtBest.p90), ms(rtBest.p99)],
      ["added by the runtime", ms(added), ms(rtBest.p90 - rawBest.p90), ms(rtBest.p99 - rawBest.p99)]
    ])
    console.log(`  target: under 0.5 ms added at p50 → ${added < 0.5 ? "met" : "NOT met"} (${ms(added)} ms)`)

    // (b) 1000 in-process steps vs 1000 direct calls of the module.
    const direct = Effect.forEach(Array.from({ length: STEPS }), () => Normalize.invoke(input), { discard: true })
    const runPipeline = (name: string) => Effect.flatMap(pipelines.run(name, input), ({ result }) => result.success ? Effect.void : Effect.dieMessage(`${name} failed`))
    const rounds = 20
    const timed = (effect: Effect.Effect<unknown, unknown>) =>
      runtime.runPromise(Effect.zipRight(sampleEffect(3, effect), sampleEffect(rounds, effect))).then(summarize)
    const directStats = await timed(direct)
    const chainStats = await timed(runPipeline("chain"))
    const fanStats = await timed(runPipeline("fan"))
    const optionsStats = await timed(runPipeline("chainWithOptions"))
    const perStep = (s: { p50: number }) => ((s.p50 - directStats.p50) / STEPS) * 1_000
    table(`(b) ${STEPS}-step pipelines of the in-process Normalize module (p50 of ${rounds} runs)`, [
      ["", "total p50 ms", "per step µs", "overhead per step µs"],
      ["direct: 1000 module calls (baseline)", ms(directStats.p50), ((directStats.p50 / STEPS) * 1_000).toFixed(1), "-"],
      ["pipeline, chain of 1000", ms(chainStats.p50), ((chainStats.p50 / STEPS) * 1_000).toFixed(1), perStep(chainStats).toFixed(1)],
      ["pipeline, 1000 independent", ms(fanStats.p50), ((fanStats.p50 / STEPS) * 1_000).toFixed(1), perStep(fanStats).toFixed(1)],
      ["pipeline, chain, with: { retry: 1 }", ms(optionsStats.p50), ((optionsStats.p50 / STEPS) * 1_000).toFixed(1), perStep(optionsStats).toFixed(1)]
    ])

    // (c) 32 provider calls: parallel pipeline steps vs one after another.
    const sequential = (name: string) => Effect.forEach(Array.from({ length: FAN }), () => client.call(name, input), { discard: true })
    const fanRounds = 10
    const fanTimed = (effect: Effect.Effect<unknown, unknown>) =>
      runtime.runPromise(Effect.zipRight(sampleEffect(2, effect), sampleEffect(fanRounds, effect))).then(summarize)
    const slowSeq = await fanTimed(sequential("Slow"))
    const slowPar = await fanTimed(runPipeline("providerFan"))
    const echoSeq = await fanTimed(sequential("Echo"))
    const echoPar = await fanTimed(runPipeline("echoFan"))
    table(`(c) ${FAN} provider calls (p50 of ${fanRounds} runs)`, [
      ["", "sequential ms", "parallel steps ms", "speed-up"],
      ["provider answering after 10 ms", ms(slowSeq.p50), ms(slowPar.p50), (slowSeq.p50 / slowPar.p50).toFixed(1) + "x"],
      ["provider answering at once", ms(echoSeq.p50), ms(echoPar.p50), (echoSeq.p50 / echoPar.p50).toFixed(1) + "x"]
    ])
    recordGoal("provider", "providerAddedP50", rtBest.p50, rawBest.p50)
    recordGoal("provider", "providerP99", rtBest.p99, rawBest.p99)
    recordGoal("provider", "pipelineRetryStep", perStep(optionsStats), (directStats.p50 / STEPS) * 1_000)
    record(root, "provider", {
      call: { raw: rawBest, runtime: rtBest, addedP50Ms: added, targetMet: added < 0.5 },
      pipeline1000: { direct: directStats, chain: chainStats, fan: fanStats, chainWithOptions: optionsStats, overheadPerStepUs: { chain: perStep(chainStats), fan: perStep(fanStats), chainWithOptions: perStep(optionsStats) } },
      fanOut32: { slow10ms: { sequential: slowSeq, parallel: slowPar }, immediate: { sequential: echoSeq, parallel: echoPar } }
    })
  } finally {
    await runtime.dispose()
  }
}
