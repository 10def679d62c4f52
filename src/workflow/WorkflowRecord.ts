/**
 * A workflow run as the host persists it (`<data_dir>/workflows/<run_id>.json`, docs/modules.md
 * §3.8): what Arca sees (`run_id`, `workflow_id`, `template`, `params`, `state`) plus the host's own
 * bookkeeping under `host`: the intents of the last applied decision and the outcome of every intent
 * id that ran (the idempotency record: an id is run once per run and repeats are answered from here),
 * queued transition requests, the move count, and a failure the host itself recorded.
 */
import { Either, Schema } from "effect"
import { IntentResult } from "../contract/Envelope.js"
import { isJsonObject, type Json, JsonObject } from "../contract/Json.js"
import { formatProblems, problemsOf } from "../contract/Problems.js"
import type { StepTerms } from "../capability/WorkflowTransition.js"

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

/** Where a run is, for the host. `suspended`: Arca could not be reached; the run can be resumed. */
export const RunStatus = Schema.Literal("running", "completed", "failed", "suspended")
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
  /** Intent id → its outcome, for every intent of this run that finished. */
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

const decodeRecord = Schema.decodeUnknownEither(RunRecord, { errors: "all" })

/** Decodes a stored run; the error lists every problem. */
export const decode = (json: unknown): Either.Either<RunRecord, string> =>
  Either.mapLeft(decodeRecord(json), (error) => `not a ${RUN_SCHEMA} document:\n${formatProblems(problemsOf(error))}`)

const resultJson = (result: IntentResult): JsonObject => ({
  intent_id: result.intent_id,
  status: result.status,
  ...(result.result === undefined ? {} : { result: result.result }),
  ...(result.error === undefined ? {} : { error: result.error })
})

const failureJson = (failure: RunFailure): JsonObject => ({
  code: failure.code,
  reason: failure.reason,
  source: failure.source,
  ...(failure.phase_id === undefined ? {} : { phase_id: failure.phase_id }),
  ...(failure.step_id === undefined ? {} : { step_id: failure.step_id })
})

/** The run as the JSON the store writes. */
export const toJson = (record: RunRecord): JsonObject => {
  const outcomes: Record<string, Json> = {}
  for (const [id, result] of Object.entries(record.host.outcomes)) outcomes[id] = resultJson(result)
  const host = record.host
  return {
    schema_version: record.schema_version,
    run_id: record.run_id,
    workflow_id: record.workflow_id,
    template: record.template,
    params: record.params,
    state: record.state,
    host: {
      executor_id: host.executor_id,
      status: host.status,
      created_at_ms: host.created_at_ms,
      updated_at_ms: host.updated_at_ms,
      moves: host.moves,
      last_intents: host.last_intents,
      outcomes,
      pending_events: host.pending_events,
      ...(host.failure === undefined ? {} : { failure: failureJson(host.failure) })
    }
  }
}

/** What Arca gets as `payload.workflow`: the run without the host's bookkeeping. */
export const workflowView = (record: RunRecord): JsonObject => ({
  run_id: record.run_id,
  workflow_id: record.workflow_id,
  template: record.template,
  params: record.params,
  state: record.state
})

/** The stored outcomes of the last decision's intents (what the next move receives). */
export const lastResults = (record: RunRecord): ReadonlyArray<IntentResult> =>
  record.host.last_intents.flatMap((id) => {
    const outcome = record.host.outcomes[id]
    return outcome === undefined ? [] : [outcome]
  })

/** A number at `key` of the state (e.g. `deadline_at_ms`), if there is one. */
export const stateNumber = (state: JsonObject, key: string): number | undefined => {
  const value = state[key]
  return typeof value === "number" ? value : undefined
}

/** A string at `key` of the state (e.g. `status`), if there is one. */
export const stateString = (state: JsonObject, key: string): string | undefined => {
  const value = state[key]
  return typeof value === "string" ? value : undefined
}

/**
 * The template with one step's economic terms replaced: how the host carries out an approved
 * transition (docs/modules.md §3.7) before Arca hears of the approval.
 */
export const withStepTerms = (template: JsonObject, stepId: string, terms: StepTerms): JsonObject => {
  const phases = template["phases"]
  if (!Array.isArray(phases)) return template
  return {
    ...template,
    phases: phases.map((phase: Json): Json => {
      if (!isJsonObject(phase) || !Array.isArray(phase["steps"])) return phase
      const steps: ReadonlyArray<Json> = phase["steps"]
      return {
        ...phase,
        steps: steps.map((step): Json =>
          isJsonObject(step) && step["step_id"] === stepId
            ? {
              ...step,
              provider_id: terms.provider_id,
              service_type: terms.service_type,
              price: terms.price,
              currency: terms.currency
            }
            : step
        )
      }
    })
  }
}
