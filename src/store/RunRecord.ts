/**
 * The ONE definition of a persisted workflow run (`orbiplex-workflow-run.v1`, docs/modules.md
 * §3.8): what Arca sees (`run_id`, `workflow_id`, `template`, `params`, `state`) plus the host's
 * bookkeeping under `host`. It lives in `store/` because the store sits below `workflow/`; the
 * runner imports it from here (through `workflow/WorkflowRecord.ts`).
 */
import { Schema } from "effect"
import { IntentResult } from "../contract/Envelope.js"
import { JsonObject } from "../contract/Json.js"

/** The schema version of a persisted run. */
export const RUN_SCHEMA = "orbiplex-workflow-run.v1"

/** Why a run stopped: Arca's `diagnostics.code` (source `arca`) or the host's own (source `host`). */
export const RunFailure = Schema.Struct({
  code: Schema.String,
  reason: Schema.String,
  source: Schema.Literal("arca", "host"),
  phase_id: Schema.optionalWith(Schema.String, { exact: true }),
  step_id: Schema.optionalWith(Schema.String, { exact: true })
})
/** Why a run stopped. */
export type RunFailure = typeof RunFailure.Type

/**
 * Where a run is, for the host. `suspended`: Arca could not be reached; the run can be resumed.
 * `cancelled`: the operator cancelled it; final, never resumed or written again.
 */
export const RunStatus = Schema.Literal("running", "completed", "failed", "suspended", "cancelled")
/** Where a run is. */
export type RunStatus = typeof RunStatus.Type

/** The host's bookkeeping of a run. */
export const HostRecord = Schema.Struct({
  executor_id: Schema.String,
  status: RunStatus,
  created_at_ms: Schema.Number,
  updated_at_ms: Schema.Number,
  moves: Schema.NonNegativeInt,
  /** Intent ids of the last applied decision: their stored outcomes go to the next move. */
  last_intents: Schema.Array(Schema.String),
  /** Intent id → its outcome, for every intent of this run that finished (the idempotency record). */
  outcomes: Schema.Record({ key: Schema.String, value: IntentResult }),
  /** Transition requests (`event.detail`) not yet delivered to Arca. */
  pending_events: Schema.Array(JsonObject),
  failure: Schema.optionalWith(RunFailure, { exact: true })
})
/** The host's bookkeeping of a run. */
export type HostRecord = typeof HostRecord.Type

/** A persisted run. */
export const RunRecord = Schema.Struct({
  schema_version: Schema.Literal(RUN_SCHEMA),
  run_id: Schema.String,
  workflow_id: Schema.String,
  template: JsonObject,
  params: JsonObject,
  state: JsonObject,
  host: HostRecord
})
/** A persisted run. */
export type RunRecord = typeof RunRecord.Type
