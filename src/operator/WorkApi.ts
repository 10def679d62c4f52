/**
 * The `work` group of the operator API: run a hook chain or a pipeline and get the result; start a
 * workflow run (202 and its id: the run goes on in the node), read, list and cancel runs; list the
 * schedules' next firings. Requests that create work honour an `Idempotency-Key` header.
 */
import { HttpApiEndpoint, HttpApiGroup } from "@effect/platform"
import { Schema } from "effect"
import { Json, JsonObject } from "../contract/Json.js"
import { ChainResult } from "../middleware/ChainTrace.js"
import { RunFailure, RunStatus } from "../workflow/WorkflowRecord.js"
import { IdempotencyConflict, RunEnded, RunUnknown, WorkFailed, WorkRefused, WorkUnavailable } from "./WorkErrors.js"

/** The header of requests that create work: same key and body answer the first answer again. */
export const IdempotencyHeaders = Schema.Struct({
  "idempotency-key": Schema.optional(Schema.NonEmptyTrimmedString.pipe(Schema.maxLength(200)))
})

/** `POST /v1/hooks/:hook/run`. */
export const HookRunBody = Schema.Struct({
  payload: JsonObject,
  correlation_id: Schema.optional(Schema.NonEmptyTrimmedString),
  deadline_ms: Schema.optional(Schema.Int.pipe(Schema.positive()))
}).annotations({ identifier: "HookRunBody" })

/** `POST /v1/pipelines/:name/run`. */
export const PipelineRunBody = Schema.Struct({ input: Schema.optionalWith(Json, { default: () => ({}) }) }).annotations({
  identifier: "PipelineRunBody"
})

/** A pipeline run as `orbiplex pipeline run` prints it (`success`, `outputs`, `steps`, `failures`). */
export const PipelineRunResult = Schema.Struct({ run: Json }).annotations({ identifier: "PipelineRunResult" })

/** A run id: letters, digits, `.`, `_`, `-`. */
export const RunId = Schema.String.pipe(Schema.pattern(/^[A-Za-z0-9_.-]{1,120}$/))

/** `POST /v1/workflows/runs`: a template (a shipped name or a document) and its params. */
export const WorkflowStartBody = Schema.Struct({
  template: Schema.Union(Schema.NonEmptyTrimmedString, JsonObject),
  params: Schema.optional(JsonObject),
  run_id: Schema.optional(RunId)
}).annotations({ identifier: "WorkflowStartBody" })
/** What starting a run takes. */
export type WorkflowStartBody = typeof WorkflowStartBody.Type

/** 202: the run is underway. */
export const RunAccepted = Schema.Struct({ run_id: Schema.String, href: Schema.String }).annotations({ identifier: "RunAccepted" })

/** Where a run is: the stored status (`cancelled` is stored, so a restarted node still shows it). */
export const RunState = RunStatus

/** One event of a run (Arca's or the host's). */
export const RunEventBody = Schema.Struct({
  source: Schema.Literal("arca", "host"),
  event: Schema.String,
  run_id: Schema.String,
  move: Schema.Number,
  at_ms: Schema.Number,
  detail: JsonObject
})

/** `GET /v1/workflows/runs/:id`. */
export const RunBody = Schema.Struct({
  run_id: Schema.String,
  workflow_id: Schema.String,
  status: RunState,
  moves: Schema.Number,
  state: JsonObject,
  failure: Schema.optionalWith(RunFailure, { exact: true }),
  events: Schema.Array(RunEventBody),
  active: Schema.Boolean
}).annotations({ identifier: "RunBody" })
/** A run as the API shows it. */
export type RunBody = typeof RunBody.Type

/** `GET /v1/workflows/runs`. */
export const RunList = Schema.Struct({
  runs: Schema.Array(Schema.Struct({ run_id: Schema.String, status: RunState, active: Schema.Boolean }))
}).annotations({ identifier: "RunList" })

/** One schedule with its next firings. */
export const ScheduleBody = Schema.Struct({
  id: Schema.String,
  cron: Schema.String,
  timezone: Schema.String,
  template: Schema.String,
  missed: Schema.String,
  overlap: Schema.String,
  next: Schema.Array(Schema.String),
  last_fired: Schema.optionalWith(Schema.String, { exact: true }),
  running: Schema.Array(Schema.String)
}).annotations({ identifier: "ScheduleBody" })
/** A schedule as the API shows it. */
export type ScheduleBody = typeof ScheduleBody.Type

/** `GET /v1/schedules`. */
export const ScheduleList = Schema.Struct({ schedules: Schema.Array(ScheduleBody) }).annotations({ identifier: "ScheduleList" })

const RunPath = Schema.Struct({ id: RunId })

/** The group. */
export class WorkApi extends HttpApiGroup.make("work")
  .add(
    HttpApiEndpoint.post("runHook", "/v1/hooks/:hook/run")
      .setPath(Schema.Struct({ hook: Schema.NonEmptyString }))
      .setHeaders(IdempotencyHeaders)
      .setPayload(HookRunBody)
      .addSuccess(ChainResult)
      .addError(WorkRefused)
  )
  .add(
    HttpApiEndpoint.post("runPipeline", "/v1/pipelines/:name/run")
      .setPath(Schema.Struct({ name: Schema.NonEmptyString }))
      .setHeaders(IdempotencyHeaders)
      .setPayload(PipelineRunBody)
      .addSuccess(PipelineRunResult)
      .addError(WorkRefused)
  )
  .add(
    HttpApiEndpoint.post("startRun", "/v1/workflows/runs")
      .setHeaders(IdempotencyHeaders)
      .setPayload(WorkflowStartBody)
      .addSuccess(RunAccepted, { status: 202 })
      .addError(WorkRefused)
  )
  .add(HttpApiEndpoint.get("listRuns", "/v1/workflows/runs").addSuccess(RunList))
  .add(HttpApiEndpoint.get("getRun", "/v1/workflows/runs/:id").setPath(RunPath).addSuccess(RunBody).addError(RunUnknown))
  .add(
    HttpApiEndpoint.post("cancelRun", "/v1/workflows/runs/:id/cancel").setPath(RunPath).addSuccess(RunBody).addError(RunUnknown)
      .addError(RunEnded)
  )
  .add(HttpApiEndpoint.get("listSchedules", "/v1/schedules").addSuccess(ScheduleList))
  .addError(WorkUnavailable)
  .addError(WorkFailed)
  .addError(IdempotencyConflict)
{}
