/**
 * Chain benchmark (issue 3 item 8): the work the host adds per hop (envelope, decision validation,
 * clip, merge patch, payload revalidation, trace) against the raw invoke of the same module in the
 * same run, with a 1 KiB payload. Three figures of host work: measured inside the runner per round
 * (`host_us` of the trace), chain time minus invoke time, and the pure validation path in a tight loop.
 * Target: under 50 µs of host work per hop at p50.
 */
import { NodeContext } from "@effect/platform-node"
import { Effect, Layer, ManagedRuntime, Option } from "effect"
import * as Path from "node:path"
import { decodeNodeConfig } from "../src/config/ConfigLoader.js"
import type { MiddlewareDecision } from "../src/contract/Decision.js"
import type { WorkflowEnvelope } from "../src/contract/Envelope.js"
import type { JsonObject } from "../src/contract/Json.js"
import * as ChainRunnerModule from "../src/middleware/ChainRunner.js"
import { ChainRunner } from "../src/middleware/ChainRunner.js"
import type { ChainTrace, RoundTrace } from "../src/middleware/ChainTrace.js"
import * as DecisionValidator from "../src/middleware/DecisionValidator.js"
import { HookRegistry } from "../src/middleware/HookRegistry.js"
import { IntentHost } from "../src/middleware/IntentHost.js"
import * as OrbiplexNode from "../src/node/OrbiplexNode.js"
import { ModuleClient } from "../src/supervisor/ModuleClient.js"
import { recordGoal } from "./Goals.js"
import { ms, record, repoRoot, summarize, table, time } from "./Stats.js"
import * as Supervisor from "../src/supervisor/Supervisor.js"

const root = repoRoot()
const CALLS = Number(process.env["BENCH_CALLS"] ?? 2_000)
const WARMUP = 200
const PURE = 20_000
const HOST_ONLY = 5_000

// A 1 KiB payload: an accepted order with the buyer's text.
const payload: JsonObject = {
  order: { order_id: "order-01J000000000000000000000", service_type: "redaction", offer_id: "offer-01J0000000000000" },
  request: { input: { text: "Ala ma kota. ".repeat(70) } },
  execution: { status: "running", progress: 0.5 }
}

const decision: MiddlewareDecision = {
  schema_version: "middleware-decision.v1",
  decision: "rewrite",
  reason: "shaped the response",
  annotations: { lang: "pl", shaped_by: "bench" },
  patch_strategy: "json_merge_patch",
  patch: {
    response: { content: "Ala ma kota. ".repeat(12), format: "plain-text", confidence: 0.8, response_id: "forged" },
    notes: "clipped: not granted"
  }
}

const fixture = (id: string, hooks: Array<string>) => ({
  id,
  module_id: "fixture-module",
  component_id: `fixture.${id}`,
  hooks,
  launch: {
    executable: "PYTHON",
    args: [Path.join(root, "test/fixtures/fixture_module.py")],
    cwd: root,
    env: { FIXTURE_MODE: "scripted", FIXTURE_DECISION: JSON.stringify(decision) }
  }
})

const envelope = (index: number): WorkflowEnvelope => ({
  schema_version: "workflow-envelope.v1",
  envelope_id: `env_${index}`,
  hook: "service.execute",
  correlation_id: "bench",
  payload,
  annotations: {},
  intent_results: [],
  trace: { causality_id: `cause:${index}`, hop: 0, component_path: [{ component_id: "fixture.one", executor_kind: "http_local_json" }] },
  deadline_ms: 5_000
})

const three = {
  admits: ["allow", "annotate", "rewrite", "reject"],
  payload_schema: { type: "object", required: ["order"], properties: { order: { type: "object" }, response: { type: "object" } } },
  writable: ["response.content", "response.format", "response.confidence"],
  host_owned: ["order", "response.response_id"]
}

export const run = async () => {
  const manifest = await import(Path.join(root, "build/modules/manifest.json"), { with: { type: "json" } })
  const python: string = manifest.default.python
  const document = JSON.parse(JSON.stringify({
    node: { id: "bench", data_dir: Path.join(root, "bench", "out", "chain-data") },
    modules: [fixture("one", ["service.execute", "bench.three"]), fixture("two", ["bench.three"]), fixture("three", ["bench.three"])],
    hooks: { "bench.three": three }
  }).replaceAll("PYTHON", python))
  const config = await Effect.runPromise(decodeNodeConfig(Path.join(root, "bench.json"), document).pipe(Effect.provide(NodeContext.layer)))
  const runtime = ManagedRuntime.make(
    OrbiplexNode.layer(config).pipe(Layer.provide(OrbiplexNode.logLevelLayer("warning")))
  )
  try {
    // Building the runtime forks the module starts; wait for them before measuring.
    await runtime.runPromise(Supervisor.awaitSettled)
    const client = await runtime.runPromise(ModuleClient)
    const runner = await runtime.runPromise(ChainRunner)
    const registry = await runtime.runPromise(HookRegistry)
    const intents = await runtime.runPromise(IntentHost)
    const invoke = (i: number) => runtime.runPromise(client.invoke("one", envelope(i)))
    const chain = (hook: string) => (i: number) => runtime.runPromise(runner.runHook(hook, payload, { correlationId: `bench-${i}` }))

    const rounds: Array<RoundTrace> = []
    const sample = async <A>(call: (i: number) => Promise<A>, keep?: (a: A) => void) => {
      for (let i = 0; i < WARMUP; i++) await call(i)
      const samples: Array<number> = []
      for (let i = 0; i < CALLS; i++) {
        let answer: A | undefined
        samples.push(await time(async () => (answer = await call(i))))
        if (keep !== undefined && answer !== undefined) keep(answer)
      }
      return summarize(samples)
    }
    const keepRounds = (result: { readonly trace: ChainTrace }) => {
      for (const executor of result.trace.executors) rounds.push(...executor.rounds)
    }
    // Interleaved twice so drift on a shared machine hits both sides alike; the better round of each is kept.
    const best = (a: ReturnType<typeof summarize>, b: ReturnType<typeof summarize>) => (a.p50 <= b.p50 ? a : b)
    const raw = best(await sample(invoke), await sample(invoke))
    const one = best(await sample(chain("service.execute"), keepRounds), await sample(chain("service.execute")))
    const hostInRunner = summarize(rounds.map((r) => r.host_us / 1_000))
    const threeHops = await sample(chain("bench.three"))

    // The pure path: validation (admitted, clip, patch, revalidation, intents) and a round's trace entry.
    const hook = await runtime.runPromise(registry.get("service.execute"))
    const pure: Array<number> = []
    for (let i = 0; i < PURE; i++) {
      const start = process.hrtime.bigint()
      const verdict = DecisionValidator.validate({
        hook,
        executorId: "one",
        moduleId: "fixture-module",
        grants: [],
        payload,
        decision,
        checkIntent: intents.check
      })
      if (verdict._tag !== "Accepted") throw new Error(verdict.message)
      const entry = { round: 1, clipped: verdict.clipped, ignored: verdict.ignored, payload: verdict.payload }
      if (entry.clipped.length !== 2) throw new Error("expected two clipped paths")
      pure.push(Number(process.hrtime.bigint() - start) / 1e6)
    }
    const pureSummary = summarize(pure.slice(PURE / 10))
    const overhead = one.p50 - raw.p50

    // The fixed cost itself: the same one-module chain with its invoke answered in-process (the
    // module's own decision, at once), so the figure is the host's work alone and not the difference
    // of two p50s that each carry a loopback round trip's jitter.
    const answered = ModuleClient.of({ invoke: () => Effect.succeed(decision) })
    const hostOnly = await runtime.runPromise(ChainRunnerModule.make.pipe(Effect.provideService(ModuleClient, answered)))
    const hostSamples = await runtime.runPromise(Effect.gen(function*() {
      const samples: Array<number> = []
      for (let i = 0; i < HOST_ONLY + HOST_ONLY / 10; i++) {
        const start = performance.now()
        yield* hostOnly.runHook("service.execute", payload, { correlationId: `bench-host-${i}` })
        samples.push(performance.now() - start)
      }
      return samples.slice(HOST_ONLY / 10)
    }))
    const hostOnlySummary = summarize(hostSamples)

    table(`chain vs raw invoke, 1 KiB payload, ${CALLS} sequential calls (best of 2 rounds)`, [
      ["", "p50 ms", "p90 ms", "p99 ms"],
      ["raw invoke, ModuleClient (baseline)", ms(raw.p50), ms(raw.p90), ms(raw.p99)],
      ["chain of 1 module (service.execute)", ms(one.p50), ms(one.p90), ms(one.p99)],
      ["chain of 3 modules (bench.three)", ms(threeHops.p50), ms(threeHops.p90), ms(threeHops.p99)],
      ["chain of 3, per hop", ms(threeHops.p50 / 3), ms(threeHops.p90 / 3), ms(threeHops.p99 / 3)]
    ])
    table("host work per hop (validation + clip + patch + revalidation + trace)", [
      ["", "p50 µs", "p90 µs", "p99 µs"],
      ["measured in the runner (trace host_us)", (hostInRunner.p50 * 1_000).toFixed(1), (hostInRunner.p90 * 1_000).toFixed(1), (hostInRunner.p99 * 1_000).toFixed(1)],
      ["chain p50 - raw invoke p50", (overhead * 1_000).toFixed(1), "", ""],
      ["pure validation path, in a loop", (pureSummary.p50 * 1_000).toFixed(1), (pureSummary.p90 * 1_000).toFixed(1), (pureSummary.p99 * 1_000).toFixed(1)],
      ["whole chain of 1, invoke answered in-process", (hostOnlySummary.p50 * 1_000).toFixed(1), (hostOnlySummary.p90 * 1_000).toFixed(1), (hostOnlySummary.p99 * 1_000).toFixed(1)]
    ])
    console.log(`  target: host work < 50 µs per hop at p50 → ${hostInRunner.p50 * 1_000 < 50 ? "met" : "NOT met"} (in the runner)`)
    // Issue 13's fixed cost beyond the invoke: the chain's own work with the invoke answered in-process;
    // the chain's p50 beyond the raw invoke's, in this run, is its context.
    recordGoal("chain", "chainFixedCost", hostOnlySummary.p50 * 1_000, overhead * 1_000)
    record(root, "chain", {
      payloadBytes: JSON.stringify(payload).length,
      rawInvoke: raw,
      chainOne: one,
      chainThree: threeHops,
      hostPerHopInRunner: hostInRunner,
      chainMinusInvokeP50Ms: overhead,
      purePath: pureSummary,
      chainOneInvokeAnsweredInProcess: hostOnlySummary,
      ratioChainToRawP50: one.p50 / raw.p50,
      targetMet: hostInRunner.p50 * 1_000 < 50
    })
    const probe = await runtime.runPromise(runner.runHook("service.execute", payload))
    if (Option.isNone(Option.fromNullable(probe.trace.executors[0]))) throw new Error("the chain ran no executor")
  } finally {
    await runtime.dispose()
  }
}
