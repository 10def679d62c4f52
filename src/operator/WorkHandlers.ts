/**
 * The handlers of the `work` group, over the WorkGate's desk (chain runner, pipelines, runs,
 * schedules, idempotency keys).
 */
import { HttpApiBuilder, type HttpApiGroup } from "@effect/platform"
import { Effect, type Layer, Option, Schema } from "effect"
import type { JsonObject } from "../contract/Json.js"
import { Json } from "../contract/Json.js"
import { ChainResult } from "../middleware/ChainTrace.js"
import { runJson } from "../pipeline/RunReport.js"
import type { RunView } from "../workflow/RunManager.js"
import { loadTemplate } from "../workflow/Templates.js"
import { OperatorHttpApi } from "./OperatorHttpApi.js"
import { idempotent } from "./Idempotent.js"
import { PipelineRunResult, RunAccepted, type WorkflowStartBody } from "./WorkApi.js"
import { WorkGate } from "./WorkGate.js"
import { RunEnded, RunUnknown, WorkFailed, WorkRefused, WorkUnavailable } from "./WorkErrors.js"

const refused = (error: { readonly message: string }) => new WorkRefused({ message: error.message })

const runUnknown = (runId: string) =>
  new RunUnknown({
    run_id: runId,
    message: `no workflow run ${JSON.stringify(runId)} on this node; list them with GET /v1/workflows/runs or \`orbiplex workflow list\``
  })

const runEnded = (runId: string, status: string) =>
  new RunEnded({
    run_id: runId,
    status,
    message: `workflow run ${JSON.stringify(runId)} has already ended (${status}): there is nothing to cancel`
  })

const viewBody = (view: RunView) => ({ ...view, events: view.events.map((event) => ({ ...event })) })

/** The group's handlers; they read the desk from the gate on each request. */
export const layer: Layer.Layer<HttpApiGroup.ApiGroup<"operator", "work">, never, FileSystemAndPath> = HttpApiBuilder.group(
  OperatorHttpApi,
  "work",
  (handlers) =>
    Effect.gen(function*() {
      const gate = yield* WorkGate
      const context = yield* Effect.context<FileSystemAndPath>()

      const templateOf = (template: WorkflowStartBody["template"]) =>
        typeof template === "string"
          ? loadTemplate(template).pipe(
            Effect.map((loaded): JsonObject => loaded.template),
            Effect.mapError(refused),
            Effect.provide(context)
          )
          : Effect.succeed(template)

      return handlers
        .handle("runHook", ({ headers, path, payload }) =>
          Effect.flatMap(gate.current, (desk) =>
            idempotent(
              desk,
              ChainResult,
              headers["idempotency-key"],
              `hook ${path.hook}`,
              payload,
              desk.chains.runHook(path.hook, payload.payload, {
                ...(payload.correlation_id === undefined ? {} : { correlationId: payload.correlation_id }),
                ...(payload.deadline_ms === undefined ? {} : { deadlineMs: payload.deadline_ms })
              }).pipe(Effect.mapError(refused))
            )))
        .handle("runPipeline", ({ headers, path, payload }) =>
          Effect.flatMap(gate.current, (desk) =>
            idempotent(
              desk,
              PipelineRunResult,
              headers["idempotency-key"],
              `pipeline ${path.name}`,
              payload,
              Effect.gen(function*() {
                const pipelines = yield* Option.match(desk.pipelines, {
                  onNone: () => Effect.fail(new WorkUnavailable({ message: "this node runs no pipelines (no \"pipelines\" section)" })),
                  onSome: Effect.succeed
                })
                const run = yield* pipelines.run(path.name, payload.input).pipe(Effect.mapError(refused))
                const json = yield* Schema.decodeUnknown(Json)(runJson(run)).pipe(
                  Effect.mapError((error) => new WorkFailed({ message: `the pipeline's result is not JSON: ${error.message}` }))
                )
                return { run: json }
              })
            )))
        .handle("startRun", ({ headers, payload }) =>
          Effect.flatMap(gate.current, (desk) =>
            idempotent(
              desk,
              RunAccepted,
              headers["idempotency-key"],
              "workflow run",
              payload,
              Effect.gen(function*() {
                const template = yield* templateOf(payload.template)
                const runId = yield* desk.runs.start({
                  template,
                  ...(payload.params === undefined ? {} : { params: payload.params }),
                  ...(payload.run_id === undefined ? {} : { runId: payload.run_id })
                }).pipe(Effect.mapError(refused))
                return { run_id: runId, href: `/v1/workflows/runs/${runId}` }
              })
            )))
        .handle("listRuns", () =>
          Effect.flatMap(gate.current, (desk) =>
            desk.runs.list.pipe(
              Effect.map((runs) => ({ runs })),
              Effect.mapError((error) => new WorkFailed({ message: error.message }))
            )))
        .handle("getRun", ({ path }) =>
          Effect.flatMap(gate.current, (desk) =>
            desk.runs.get(path.id).pipe(
              Effect.mapError((error) => new WorkFailed({ message: error.message })),
              Effect.flatMap(Option.match({ onNone: () => Effect.fail(runUnknown(path.id)), onSome: (view) => Effect.succeed(viewBody(view)) }))
            )))
        .handle("cancelRun", ({ path }) =>
          Effect.flatMap(gate.current, (desk) =>
            Effect.gen(function*() {
              const result = yield* desk.runs.cancel(path.id).pipe(Effect.mapError((error) => new WorkFailed({ message: error.message })))
              if (result._tag === "Unknown") return yield* runUnknown(path.id)
              if (result._tag === "Ended") return yield* runEnded(path.id, result.status)
              yield* desk.runs.awaitEnd(path.id)
              const view = yield* desk.runs.get(path.id).pipe(Effect.mapError((error) => new WorkFailed({ message: error.message })))
              return yield* Option.match(view, { onNone: () => Effect.fail(runUnknown(path.id)), onSome: (found) => Effect.succeed(viewBody(found)) })
            })))
        .handle("listSchedules", () =>
          Effect.flatMap(gate.current, (desk) =>
            Option.match(desk.schedules, {
              onNone: () => Effect.succeed({ schedules: [] }),
              onSome: (schedules) => Effect.map(schedules.list(5), (list) => ({ schedules: list }))
            })))
    })
)

/** Template names are read from the shipped folder. */
type FileSystemAndPath = import("@effect/platform").FileSystem.FileSystem | import("@effect/platform").Path.Path
