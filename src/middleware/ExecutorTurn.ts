/**
 * One executor's turn in a chain (CONTRACTS §2.3): the host builds each envelope (trace appended by the
 * host only, `deadline_ms` = time left of the turn), invokes the module, validates and applies its
 * decision, runs its intents, and invokes it again with the results while it asks for a `next_step`
 * (at most the hook's `max_rounds`). A turn is atomic: when it fails, nothing it proposed stands and
 * the hook's failure policy decides what the chain does.
 */
import { randomUuid } from "../resilience/FlatUuid.js"
import { type Clock, Effect } from "effect"
import type { MiddlewareDecision } from "../contract/Decision.js"
import type { ComponentHop, IntentResult, WorkflowEnvelope } from "../contract/Envelope.js"
import type { Json, JsonObject } from "../contract/Json.js"
import type { ModuleEntry } from "../contract/ModuleEntry.js"
import type { InvokeError } from "../supervisor/InvokeError.js"
import type { ModuleClient } from "../supervisor/ModuleClient.js"
import type { UnknownModule } from "../supervisor/SupervisorError.js"
import type { ChainOutcome, ExecutorTrace, FailureKind, RoundTrace } from "./ChainTrace.js"
import * as DecisionValidator from "./DecisionValidator.js"
import { type Hook, isTerminal } from "./Hook.js"
import type { IntentContext, IntentHost } from "./IntentHost.js"

/** What a turn calls out to. */
export interface TurnServices {
  readonly client: ModuleClient["Type"]
  readonly intentHost: IntentHost["Type"]
}

/** What travels along the chain: the payload, the annotations, and the route if an executor chose one. */
export interface Passage {
  readonly payload: JsonObject
  readonly annotations: JsonObject
  readonly route: Json | undefined
}

/** How a turn ends: the chain goes on, or stops with an outcome. */
export type TurnEnd =
  | { readonly _tag: "Continue"; readonly passage: Passage }
  | {
    readonly _tag: "Stop"
    readonly outcome: Exclude<ChainOutcome, "completed">
    readonly reason: string | undefined
    readonly passage: Passage
  }

/** One chain run, shared by its turns (the hop counter and component path grow as it goes). */
export interface Chain {
  /** Read synchronously: an Effect op per timestamp would add ops, and with them scheduler yields, to the hop. */
  readonly clock: Clock.Clock
  readonly hook: Hook
  readonly correlationId: string
  readonly causalityId: string
  readonly deadline: number
  hop: number
  readonly path: Array<ComponentHop>
}

const failureKindOf = (error: InvokeError | UnknownModule): FailureKind => {
  switch (error._tag) {
    case "ModuleNotReady":
    case "UnknownModule":
      return "not-ready"
    case "InvokeTimedOut":
      return "timeout"
    case "TransportFailed":
      return "transport"
    case "UnexpectedStatus":
      return "error-status"
    case "ModuleCrashed":
      return "module-crashed"
    case "ResponseTooLarge":
      return "too-large"
    case "MalformedResponse":
      return "malformed-decision"
  }
}

const stopOutcome = (kind: "return" | "drop" | "reject"): "returned" | "dropped" | "rejected" =>
  kind === "return" ? "returned" : kind === "drop" ? "dropped" : "rejected"

const merge = (base: JsonObject, extra: JsonObject | undefined): JsonObject =>
  extra === undefined || Object.keys(extra).length === 0 ? base : { ...base, ...extra }

/** Microseconds between two nanosecond readings. */
export const micros = (from: bigint, to: bigint): number => Number(to - from) / 1_000
/** Milliseconds (to the microsecond) between two nanosecond readings. */
export const millis = (from: bigint, to: bigint): number => Math.round(Number(to - from) / 1_000) / 1_000

// A decision the host refused (§2.3 steps 2-4) is handled like any executor failure: the module did not
// do its part, and whether the passage may go on without it is for the hook's policy to say, not the module.
const onFailure = (
  chain: Chain,
  entry: ModuleEntry,
  before: Passage,
  kind: FailureKind,
  message: string
): { readonly end: TurnEnd; readonly status: ExecutorTrace["status"]; readonly decision?: MiddlewareDecision["decision"]; readonly reason?: string } => {
  const policy = chain.hook.failurePolicy
  if (policy === "fail_closed") {
    const reason = `executor ${entry.id} failed (${kind}) and hook "${chain.hook.name}" fails closed: ${message}`
    return { end: { _tag: "Stop", outcome: "failed", reason, passage: before }, status: "failed" }
  }
  if (policy === "fail_open") return { end: { _tag: "Continue", passage: before }, status: "skipped" }
  const fallback = policy.fallback
  const reason = fallback.reason ?? `fallback of hook "${chain.hook.name}" after executor ${entry.id} failed (${kind})`
  const passage = fallback.decision === "defer" ? before : { ...before, annotations: merge(before.annotations, fallback.annotations) }
  const end: TurnEnd = isTerminal(fallback.decision)
    ? { _tag: "Stop", outcome: stopOutcome(fallback.decision), reason, passage }
    : { _tag: "Continue", passage }
  return { end, status: "fallback", decision: fallback.decision, reason }
}

/** One executor's turn: its rounds, the validation and application of each decision, its intents, and the failure policy. */
export const runTurn = (services: TurnServices, chain: Chain, entry: ModuleEntry, before: Passage) =>
  Effect.gen(function*() {
    const { clock } = chain
    const turnStart = clock.unsafeCurrentTimeNanos()
    const deadline = Math.min(chain.deadline, clock.unsafeCurrentTimeMillis() + chain.hook.deadlineMs)
    chain.path.push({ component_id: entry.component_id, executor_kind: entry.kind })
    const componentPath = [...chain.path]
    const context: IntentContext = {
      hook: chain.hook.name,
      executorId: entry.id,
      moduleId: entry.module_id,
      correlationId: chain.correlationId,
      causalityId: chain.causalityId,
      deadline
    }
    let local = before
    let intentResults: ReadonlyArray<IntentResult> = []
    let lastDecision: MiddlewareDecision | undefined
    const rounds: Array<RoundTrace> = []
    let failure: { readonly kind: FailureKind; readonly message: string } | undefined
    let end: TurnEnd | undefined

    for (let round = 1; round <= chain.hook.maxRounds && end === undefined && failure === undefined; round++) {
      const roundStart = clock.unsafeCurrentTimeNanos()
      const left = Math.floor(deadline - clock.unsafeCurrentTimeMillis())
      if (left < 1) {
        failure = { kind: "deadline", message: `no time left for round ${round} within the hook's deadline of ${chain.hook.deadlineMs} ms` }
        break
      }
      const envelope: WorkflowEnvelope = {
        schema_version: "workflow-envelope.v1",
        envelope_id: `env_${randomUuid()}`,
        hook: chain.hook.name,
        correlation_id: chain.correlationId,
        payload: local.payload,
        annotations: local.annotations,
        intent_results: intentResults,
        trace: { causality_id: chain.causalityId, hop: chain.hop, component_path: componentPath },
        deadline_ms: left
      }
      chain.hop += 1
      const invokeStart = clock.unsafeCurrentTimeNanos()
      const answer = yield* Effect.either(services.client.invoke(entry.id, envelope, { timeoutMs: left }))
      const invokeEnd = clock.unsafeCurrentTimeNanos()
      const base = {
        round,
        hop: envelope.trace.hop,
        envelope_id: envelope.envelope_id,
        deadline_ms: left,
        invoke_ms: millis(invokeStart, invokeEnd)
      }
      if (answer._tag === "Left") {
        failure = { kind: failureKindOf(answer.left), message: answer.left.message }
        const roundEnd = clock.unsafeCurrentTimeNanos()
        rounds.push({
          ...base,
          verdict: "failed",
          clipped: [],
          ignored: [],
          intents: [],
          rejected_intents: [],
          error: failure,
          host_us: micros(roundStart, roundEnd) - micros(invokeStart, invokeEnd)
        })
        break
      }
      const decision = answer.right
      const verdict = DecisionValidator.validate({
        hook: chain.hook,
        executorId: entry.id,
        moduleId: entry.module_id,
        grants: entry.grants,
        payload: local.payload,
        decision,
        checkIntent: services.intentHost.check
      })
      const described = {
        ...base,
        decision: decision.decision,
        ...(decision.reason === undefined ? {} : { reason: decision.reason }),
        ...(decision.next_step === undefined || decision.next_step === null ? {} : { next_step: decision.next_step }),
        ...(decision.decision === "route" && decision.route !== undefined && decision.route !== null ? { route: decision.route } : {}),
        ...(decision.diagnostics === undefined || decision.diagnostics === null ? {} : { diagnostics: decision.diagnostics })
      }
      if (verdict._tag === "Rejected") {
        failure = { kind: verdict.kind, message: verdict.message }
        const roundEnd = clock.unsafeCurrentTimeNanos()
        rounds.push({
          ...described,
          verdict: "rejected",
          clipped: verdict.clipped,
          ignored: [],
          intents: [],
          rejected_intents: (decision.intents ?? []).map((intent) => ({
            intent_id: intent.intent_id,
            capability: intent.capability,
            reason: "the decision was refused, so none of its intents ran"
          })),
          error: failure,
          host_us: micros(roundStart, roundEnd) - micros(invokeStart, invokeEnd)
        })
        break
      }
      lastDecision = decision
      local = {
        payload: verdict.payload,
        annotations: merge(local.annotations, verdict.annotations),
        route: decision.decision === "route" && decision.route !== undefined && decision.route !== null
          ? decision.route
          : local.route
      }
      const hostEnd = clock.unsafeCurrentTimeNanos()
      const ran = verdict.intents.length === 0 ? [] : yield* Effect.forEach(verdict.intents, (intent) =>
        Effect.gen(function*() {
          const start = clock.unsafeCurrentTimeNanos()
          const result = yield* services.intentHost.execute(intent, context)
          return { intent, result, duration_ms: millis(start, clock.unsafeCurrentTimeNanos()) }
        }), { concurrency: 4 })
      const intentsEnd = clock.unsafeCurrentTimeNanos()
      const rejectedIntents = [...verdict.rejectedIntents]
      const runs: Array<RoundTrace["intents"][number]> = []
      for (const { duration_ms, intent, result } of ran) {
        if (result.status === "rejected") {
          rejectedIntents.push({ intent_id: intent.intent_id, capability: intent.capability, reason: result.error ?? "rejected" })
        } else {
          runs.push({
            intent_id: intent.intent_id,
            capability: intent.capability,
            status: result.status,
            ...(result.error === undefined ? {} : { error: result.error }),
            duration_ms
          })
        }
      }
      const kind = decision.decision
      if (isTerminal(kind)) {
        end = { _tag: "Stop", outcome: stopOutcome(kind), reason: decision.reason, passage: local }
      } else if (decision.next_step === undefined || decision.next_step === null) {
        end = { _tag: "Continue", passage: local }
      } else {
        intentResults = [
          ...ran.map(({ result }) => result),
          ...verdict.rejectedIntents.map((r): IntentResult => ({ intent_id: r.intent_id, status: "rejected", error: r.reason }))
        ]
      }
      const roundEnd = clock.unsafeCurrentTimeNanos()
      rounds.push({
        ...described,
        verdict: "applied",
        clipped: verdict.clipped,
        ignored: verdict.ignored,
        intents: runs,
        rejected_intents: rejectedIntents,
        host_us: micros(roundStart, hostEnd) - micros(invokeStart, invokeEnd) + micros(intentsEnd, roundEnd)
      })
    }
    if (end === undefined && failure === undefined) {
      failure = {
        kind: "rounds-exhausted",
        message: `executor ${entry.id} still asked for a next_step after ${chain.hook.maxRounds} rounds ` +
          `(max_rounds of hook "${chain.hook.name}"); its turn is discarded`
      }
    }
    const summary = {
      executor_id: entry.id,
      module_id: entry.module_id,
      component_id: entry.component_id,
      clipped: rounds.flatMap((r) => r.clipped),
      rejected_intents: rounds.flatMap((r) => r.rejected_intents),
      intents: rounds.flatMap((r) => r.intents),
      rounds
    }
    const duration = millis(turnStart, clock.unsafeCurrentTimeNanos())
    if (failure !== undefined) {
      yield* Effect.logWarning(`hook ${chain.hook.name}: executor ${entry.id} failed (${failure.kind}): ${failure.message}`)
      const handled = onFailure(chain, entry, before, failure.kind, failure.message)
      const trace: ExecutorTrace = {
        ...summary,
        status: handled.status,
        ...(handled.decision === undefined ? {} : { decision: handled.decision }),
        ...(handled.reason === undefined ? {} : { reason: handled.reason }),
        error: failure,
        duration_ms: duration
      }
      return { end: handled.end, trace }
    }
    const trace: ExecutorTrace = {
      ...summary,
      status: "applied",
      ...(lastDecision === undefined ? {} : { decision: lastDecision.decision }),
      ...(lastDecision?.reason === undefined ? {} : { reason: lastDecision.reason }),
      duration_ms: duration
    }
    return { end: end ?? { _tag: "Continue", passage: before }, trace }
  })
