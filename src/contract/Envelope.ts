/**
 * `workflow-envelope.v1`: what the host sends a module on every invocation (CONTRACTS §2.1).
 */
import { Schema } from "effect"
import { Json, JsonObject } from "./Json.js"

/** One hop of the host-owned trace. */
export const ComponentHop = Schema.Struct({
  component_id: Schema.String,
  executor_kind: Schema.String
})

/** The host-owned trace: modules read it, never change it. */
export const EnvelopeTrace = Schema.Struct({
  causality_id: Schema.String,
  hop: Schema.NonNegativeInt,
  component_path: Schema.Array(ComponentHop)
})

/** The outcome of an intent the module asked for in an earlier round. */
export const IntentResult = Schema.Struct({
  intent_id: Schema.String,
  status: Schema.Literal("ok", "rejected", "failed"),
  result: Schema.optional(Json),
  error: Schema.optional(Schema.String)
})

/** The envelope a module receives. */
export const WorkflowEnvelope = Schema.Struct({
  schema_version: Schema.Literal("workflow-envelope.v1"),
  envelope_id: Schema.String,
  hook: Schema.String,
  correlation_id: Schema.String,
  payload: JsonObject,
  annotations: JsonObject,
  intent_results: Schema.Array(IntentResult),
  trace: EnvelopeTrace,
  deadline_ms: Schema.NonNegativeInt
})

/** One hop of the host-owned trace. */
export type ComponentHop = typeof ComponentHop.Type
/** The host-owned trace. */
export type EnvelopeTrace = typeof EnvelopeTrace.Type
/** The outcome of an earlier intent. */
export type IntentResult = typeof IntentResult.Type
/** The envelope a module receives (plain JSON: what is decoded is what goes on the wire). */
export type WorkflowEnvelope = typeof WorkflowEnvelope.Type
