/**
 * The chain runner (issue 3 item 4): `runHook` checks the payload against the hook's schema, then
 * sends one passage through the modules attached to the hook, in config order, one turn each
 * (ExecutorTurn: envelopes, validation, intents, failure policy), except those the run passes over
 * (`RunOptions.passOver`), which the trace lists with the reason. `return`, `drop` and `reject` end
 * the chain; `defer` passes. Every run leaves its trace in the TraceStore.
 */
import * as Metrics from "../metrics/Metrics.js"
import { randomUuid } from "../resilience/FlatUuid.js"
import { Context, Effect, Layer, Option, Schema } from "effect"
import type { JsonObject } from "../contract/Json.js"
import type { ModuleEntry } from "../contract/ModuleEntry.js"
import { formatProblems, Problem } from "../contract/Problems.js"
import { ModuleClient } from "../supervisor/ModuleClient.js"
import { Supervisor } from "../supervisor/Supervisor.js"
import { withSpanWhenTracing } from "../tracing/TraceContext.js"
import type { ChainOutcome, ChainResult, ExecutorTrace } from "./ChainTrace.js"
import { type Chain, millis, type Passage, runTurn } from "./ExecutorTurn.js"
import { HookRegistry, type UnknownHook } from "./HookRegistry.js"
import { IntentHost, restrictTo } from "./IntentHost.js"
import { TraceStore } from "./TraceStore.js"

/** Per-run choices. */
export interface RunOptions {
  /** Correlates this run with others of the same business operation; generated when absent. */
  readonly correlationId?: string
  /** Identifies this passage (`trace.causality_id`); generated when absent. */
  readonly causalityId?: string
  /** Annotations the passage starts with. */
  readonly annotations?: JsonObject
  /** A bound on the whole chain, on top of the hook's deadline per executor. */
  readonly deadlineMs?: number
  /**
   * Which attached executors this run passes over, and why (`Option.some(reason)`); every other one
   * takes its turn. A passed-over executor still appears in the trace, in its place in the chain, with
   * status `passed-over` and the reason: an attached module is never left out silently.
   */
  readonly passOver?: (entry: ModuleEntry) => Option.Option<string>
  /** The only capabilities this run's intents may name (default: every one the host provides). */
  readonly capabilities?: ReadonlyArray<string>
}

/** The trace of an executor the run passed over: no envelope, no rounds, the reason. */
const passedOverTrace = (entry: ModuleEntry, reason: string): ExecutorTrace => ({
  executor_id: entry.id,
  module_id: entry.module_id,
  component_id: entry.component_id,
  status: "passed-over",
  reason,
  clipped: [],
  rejected_intents: [],
  intents: [],
  rounds: [],
  duration_ms: 0
})

/** The payload given to `runHook` does not match the hook's payload schema; nothing ran. */
export class PayloadInvalid extends Schema.TaggedError<PayloadInvalid>()("PayloadInvalid", {
  hook: Schema.String,
  problems: Schema.Array(Problem)
}) {
  override get message(): string {
    return `the payload does not match the payload schema of hook "${this.hook}", so no module was invoked; ` +
      `fix these fields:\n${formatProblems(this.problems)}`
  }
}

/** The chain runner. */
export class ChainRunner extends Context.Tag("orbiplex/ChainRunner")<ChainRunner, {
  /** Runs the chain of `hook` over `payload`. Executor failures are in the result, never errors. */
  readonly runHook: (
    hook: string,
    payload: JsonObject,
    options?: RunOptions
  ) => Effect.Effect<ChainResult, UnknownHook | PayloadInvalid>
  /** The executor ids attached to a hook, in chain order. */
  readonly executorsOf: (hook: string) => ReadonlyArray<string>
}>() {}

/** Builds the runner over the supervisor's modules. */
export const make = Effect.gen(function*() {
  const registry = yield* HookRegistry
  const client = yield* ModuleClient
  const intentHost = yield* IntentHost
  const store = yield* TraceStore
  const supervisor = yield* Supervisor
  const servicesFor = (options: RunOptions) => ({
    client,
    intentHost: options.capabilities === undefined ? intentHost : restrictTo(intentHost, options.capabilities)
  })
  // Read on every run: a reload changes the supervised entries.
  const attached = (hook: string): ReadonlyArray<ModuleEntry> => supervisor.entries.filter((entry) => entry.hooks.includes(hook))

  const runChain = Effect.fnUntraced(function*(hookName: string, payload: JsonObject, options: RunOptions) {
    const hook = yield* registry.get(hookName)
    const problems = hook.checkPayload(payload)
    if (problems.length > 0) return yield* new PayloadInvalid({ hook: hook.name, problems: [...problems] })
    const clock = yield* Effect.clock
    const started = clock.unsafeCurrentTimeNanos()
    const startedAt = clock.unsafeCurrentTimeMillis()
    const chain: Chain = {
      clock,
      hook,
      correlationId: options.correlationId ?? `corr_${randomUuid()}`,
      causalityId: options.causalityId ?? `cause:${randomUuid()}`,
      deadline: options.deadlineMs === undefined ? Infinity : startedAt + options.deadlineMs,
      hop: 0,
      path: []
    }
    let passage: Passage = { payload, annotations: options.annotations ?? {}, route: undefined }
    const executors: Array<ExecutorTrace> = []
    let outcome: ChainOutcome = "completed"
    let reason: string | undefined
    const services = servicesFor(options)
    const passOver = options.passOver ?? (() => Option.none())
    for (const entry of attached(hook.name)) {
      const passedOver = passOver(entry)
      if (Option.isSome(passedOver)) {
        executors.push(passedOverTrace(entry, passedOver.value))
        continue
      }
      const turn = yield* runTurn(services, chain, entry, passage)
      executors.push(turn.trace)
      passage = turn.end.passage
      if (turn.end._tag === "Stop") {
        outcome = turn.end.outcome
        reason = turn.end.reason
        break
      }
    }
    const trace = {
      hook: hook.name,
      correlation_id: chain.correlationId,
      causality_id: chain.causalityId,
      outcome,
      ...(reason === undefined ? {} : { reason }),
      started_at: new Date(startedAt).toISOString(),
      duration_ms: millis(started, clock.unsafeCurrentTimeNanos()),
      executors
    }
    yield* store.record(trace)
    yield* Metrics.recordChain(trace)
    const result: ChainResult = {
      outcome,
      ...(reason === undefined ? {} : { reason }),
      payload: passage.payload,
      annotations: passage.annotations,
      ...(passage.route === undefined ? {} : { route: passage.route }),
      trace
    }
    return result
  })

  // A span of its own only while tracing is on: Effect.fn's span, made even with nothing to export
  // it to, cost about half of a one-module chain's host work.
  const runHook = (hookName: string, payload: JsonObject, options: RunOptions = {}) =>
    withSpanWhenTracing("ChainRunner.runHook")(runChain(hookName, payload, options))

  return ChainRunner.of({
    runHook,
    executorsOf: (hook) => attached(hook).map((entry) => entry.id)
  })
})

/** The runner as a layer. */
export const layer: Layer.Layer<
  ChainRunner,
  never,
  HookRegistry | ModuleClient | IntentHost | TraceStore | Supervisor
> = Layer.effect(ChainRunner, make)
