/**
 * The record every chain run leaves (CONTRACTS §2.3 step 6): per executor its decision, the paths
 * clipped and why, the intents run or rejected and why, timings and errors; per round the envelope
 * it answered. Schemas, so traces print as JSON and decode back.
 */
import { Schema } from "effect"
import { DecisionKind } from "../contract/Decision.js"
import { Json, JsonObject } from "../contract/Json.js"

const optional = <S extends Schema.Schema.All>(schema: S) => Schema.optionalWith(schema, { exact: true })

/** How a chain ended. `completed`: every executor let it through. */
export const ChainOutcome = Schema.Literal("completed", "returned", "dropped", "rejected", "failed")
/** How a chain ended. */
export type ChainOutcome = typeof ChainOutcome.Type

/** Why an executor's turn failed (each is handled by the hook's failure policy). */
export const FailureKind = Schema.Literal(
  "not-ready",
  "timeout",
  "transport",
  "error-status",
  "malformed-decision",
  "too-large",
  "module-crashed",
  "not-admitted",
  "forbidden-mutation",
  "payload-invalid",
  "rounds-exhausted",
  "deadline"
)
/** Why an executor's turn failed. */
export type FailureKind = typeof FailureKind.Type

/** A part of a patch the host removed. */
export const ClippedPath = Schema.Struct({
  path: Schema.String,
  reason: Schema.Literal("not-granted", "host-owned")
})
/** A part of a patch the host removed. */
export type ClippedPath = typeof ClippedPath.Type

/** An intent the host refused before running it. */
export const RejectedIntent = Schema.Struct({
  intent_id: Schema.String,
  capability: Schema.String,
  reason: Schema.String
})
/** An intent the host refused before running it. */
export type RejectedIntent = typeof RejectedIntent.Type

/** An intent the host ran (or tried to). */
export const IntentRun = Schema.Struct({
  intent_id: Schema.String,
  capability: Schema.String,
  status: Schema.Literal("ok", "failed"),
  error: optional(Schema.String),
  duration_ms: Schema.Number
})
/** An intent the host ran (or tried to). */
export type IntentRun = typeof IntentRun.Type

/** An executor failure. */
export const ExecutorError = Schema.Struct({
  kind: FailureKind,
  message: Schema.String
})
/** An executor failure. */
export type ExecutorError = typeof ExecutorError.Type

/** One invocation of an executor. */
export const RoundTrace = Schema.Struct({
  round: Schema.Int,
  hop: Schema.Int,
  envelope_id: Schema.String,
  deadline_ms: Schema.Int,
  decision: optional(DecisionKind),
  reason: optional(Schema.String),
  verdict: Schema.Literal("applied", "rejected", "failed"),
  clipped: Schema.Array(ClippedPath),
  ignored: Schema.Array(Schema.String),
  intents: Schema.Array(IntentRun),
  rejected_intents: Schema.Array(RejectedIntent),
  next_step: optional(Json),
  /** The target a `route` decision chose. */
  route: optional(Json),
  diagnostics: optional(JsonObject),
  error: optional(ExecutorError),
  /** Time waiting for the module's answer. */
  invoke_ms: Schema.Number,
  /** Host work of this round (envelope, validation, patch, trace), intents excluded, in microseconds. */
  host_us: Schema.Number
})
/** One invocation of an executor. */
export type RoundTrace = typeof RoundTrace.Type

/**
 * One executor's turn. `status`: `applied` (its decision stands), `skipped` (it failed under
 * `fail_open`), `fallback` (it failed and the hook's fixed decision stands), `failed` (it failed under
 * `fail_closed`: the chain failed), `passed-over` (attached, but this run was not its to take: it was
 * not invoked, and `reason` says why; e.g. another provider's order).
 */
export const ExecutorTrace = Schema.Struct({
  executor_id: Schema.String,
  module_id: Schema.String,
  component_id: Schema.String,
  status: Schema.Literal("applied", "skipped", "fallback", "failed", "passed-over"),
  decision: optional(DecisionKind),
  reason: optional(Schema.String),
  clipped: Schema.Array(ClippedPath),
  rejected_intents: Schema.Array(RejectedIntent),
  intents: Schema.Array(IntentRun),
  error: optional(ExecutorError),
  rounds: Schema.Array(RoundTrace),
  duration_ms: Schema.Number
})
/** One executor's turn. */
export type ExecutorTrace = typeof ExecutorTrace.Type

/** The trace of one chain run. */
export const ChainTrace = Schema.Struct({
  hook: Schema.String,
  correlation_id: Schema.String,
  causality_id: Schema.String,
  outcome: ChainOutcome,
  reason: optional(Schema.String),
  started_at: Schema.String,
  duration_ms: Schema.Number,
  executors: Schema.Array(ExecutorTrace)
})
/** The trace of one chain run. */
export type ChainTrace = typeof ChainTrace.Type

/** What `runHook` answers: the outcome, the final payload and annotations, and the trace. */
export const ChainResult = Schema.Struct({
  outcome: ChainOutcome,
  reason: optional(Schema.String),
  payload: JsonObject,
  annotations: JsonObject,
  route: optional(Json),
  trace: ChainTrace
})
/** What `runHook` answers. */
export type ChainResult = typeof ChainResult.Type
