/**
 * The runs a node drives in its own scope (issue 10): `start` persists a run and answers its id at
 * once while the run goes on in a fiber of the node; each run's events are kept in memory so a
 * client can follow its phases; `cancel` marks the run cancelled in the store (final: a restart does
 * not resume it) and stops its driver (WorkflowRunner.cancel). Built over the runner's API.
 */
import { randomUUID } from "node:crypto"
import { Cause, Context, Deferred, Effect, Exit, FiberMap, Layer, Option, Ref, Schema } from "effect"
import type { JsonObject } from "../contract/Json.js"
import type { RunEvent, RunOutcome, StartRequest } from "./WorkflowRun.js"
import { WorkflowRunner } from "./WorkflowRunner.js"
import { type CancelResult, WorkflowRunRepo } from "../store/WorkflowRunRepo.js"
import type * as RunFile from "./WorkflowRecord.js"

/** Where a run is, as the node sees it: the stored status (`cancelled` included, since it is stored). */
export type RunState = RunFile.RunStatus

/** A run as the work API shows it. */
export interface RunView {
  readonly run_id: string
  readonly workflow_id: string
  readonly status: RunState
  readonly moves: number
  readonly state: JsonObject
  readonly failure?: RunFile.RunFailure
  /** The events this node saw, oldest first (empty for runs driven by another process). */
  readonly events: ReadonlyArray<RunEvent>
  /** Whether this node drives the run now. */
  readonly active: boolean
}

/** A run in a list. */
export interface RunSummary {
  readonly run_id: string
  readonly status: RunState
  readonly active: boolean
}

/** The run could not be started or found. */
export class RunManagerError extends Schema.TaggedError<RunManagerError>()("RunManagerError", {
  run_id: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `workflow run ${this.run_id}: ${this.reason}`
  }
}

interface Tracked {
  readonly events: Ref.Ref<ReadonlyArray<RunEvent>>
  readonly done: Deferred.Deferred<RunOutcome | "cancelled" | "errored">
}

/** The node's runs. */
export class RunManager extends Context.Tag("orbiplex/RunManager")<RunManager, {
  /** Starts a run in the node's scope; answers its id once the run is underway. */
  readonly start: (request: StartRequest) => Effect.Effect<string, RunManagerError>
  /** The stored run with the events this node saw. */
  readonly get: (runId: string) => Effect.Effect<Option.Option<RunView>, RunManagerError>
  /** Every stored run, newest ids last. */
  readonly list: Effect.Effect<ReadonlyArray<RunSummary>, RunManagerError>
  /**
   * Cancels a run that has not ended, whoever drives it (or none: a suspended run); says when the run
   * had ended already or is not known.
   */
  readonly cancel: (runId: string) => Effect.Effect<CancelResult, RunManagerError>
  /** Waits for a run this node started to end; `None` for runs it does not know. */
  readonly awaitEnd: (runId: string) => Effect.Effect<Option.Option<RunOutcome | "cancelled" | "errored">>
  /** Whether this node drives the run now. */
  readonly isActive: (runId: string) => Effect.Effect<boolean>
}>() {}

const safeId = (text: string): string => text.replace(/[^A-Za-z0-9_.-]/g, "-").slice(0, 60)

/** A fresh run id from the template's id. */
export const newRunId = (template: JsonObject): string => {
  const id = typeof template["workflow_id"] === "string"
    ? template["workflow_id"]
    : typeof template["id"] === "string"
    ? template["id"]
    : "run"
  return `${safeId(id)}-${Date.now()}-${randomUUID().slice(0, 8)}`
}

/** Builds the manager; its runs live in the scope of the layer. */
export const make = Effect.gen(function*() {
  const runner = yield* WorkflowRunner
  const store = yield* WorkflowRunRepo
  const fibers = yield* FiberMap.make<string>()
  const tracked = yield* Ref.make(new Map<string, Tracked>())

  const trackedOf = (runId: string) => Effect.map(Ref.get(tracked), (map) => Option.fromNullable(map.get(runId)))

  const start = Effect.fn("RunManager.start")(function*(request: StartRequest) {
    const runId = request.runId ?? newRunId(request.template)
    if ((yield* FiberMap.has(fibers, runId)) || Option.isSome(yield* Effect.orElseSucceed(store.load(runId), () => Option.none()))) {
      return yield* new RunManagerError({ run_id: runId, reason: "a run with this id exists already; pick another id or leave it out" })
    }
    const entry: Tracked = {
      events: yield* Ref.make<ReadonlyArray<RunEvent>>([]),
      done: yield* Deferred.make<RunOutcome | "cancelled" | "errored">()
    }
    yield* Ref.update(tracked, (map) => new Map(map).set(runId, entry))
    const started = yield* Deferred.make<void, RunManagerError>()
    const onEvent = (event: RunEvent) => Ref.update(entry.events, (events) => [...events, event]).pipe(
      Effect.zipRight(Deferred.succeed(started, undefined))
    )
    const drive = runner.start({ ...request, runId }, { onEvent }).pipe(
      Effect.onExit((exit) =>
        Effect.gen(function*() {
          // A run that fails before its first event (no Arca, a bad template) is the caller's error, not a 202.
          yield* Exit.match(exit, {
            onSuccess: () => Deferred.succeed(started, undefined),
            onFailure: (cause) => {
              const squashed = Cause.squash(cause)
              const reason = Cause.isInterruptedOnly(cause) ? "cancelled before it began" : squashed instanceof Error ? squashed.message : Cause.pretty(cause)
              return Deferred.fail(started, new RunManagerError({ run_id: runId, reason }))
            }
          })
          // A cancel interrupts the driver: the run's end is an interruption.
          yield* Deferred.succeed(entry.done, Exit.isSuccess(exit) ? exit.value : Exit.isInterrupted(exit) ? "cancelled" : "errored")
          if (Exit.isFailure(exit) && !Exit.isInterrupted(exit)) {
            yield* Effect.logWarning(`workflow run ${runId} stopped: ${Exit.isFailure(exit) ? String(exit.cause) : ""}`)
          }
        })
      )
    )
    yield* FiberMap.run(fibers, runId, drive)
    // The first event (or the end) means the run is persisted: a read right after the answer finds it.
    yield* Deferred.await(started)
    return runId
  })

  const get = Effect.fn("RunManager.get")(function*(runId: string) {
    const record = yield* runner.load(runId).pipe(
      Effect.mapError((error) => new RunManagerError({ run_id: runId, reason: `cannot read it: ${error.message}` }))
    )
    if (Option.isNone(record)) return Option.none<RunView>()
    const entry = yield* trackedOf(runId)
    const events = Option.isSome(entry) ? yield* Ref.get(entry.value.events) : []
    const active = yield* FiberMap.has(fibers, runId)
    const host = record.value.host
    const view: RunView = {
      run_id: record.value.run_id,
      workflow_id: record.value.workflow_id,
      status: host.status,
      moves: host.moves,
      state: record.value.state,
      ...(host.failure === undefined ? {} : { failure: host.failure }),
      events,
      active
    }
    return Option.some(view)
  })

  const list = Effect.gen(function*() {
    const ids = yield* store.list.pipe(
      Effect.mapError((error) => new RunManagerError({ run_id: "*", reason: `cannot list the stored runs: ${error.message}` }))
    )
    const views = yield* Effect.forEach(ids, (id) => Effect.orElseSucceed(get(id), () => Option.none<RunView>()))
    return views.flatMap((view) =>
      Option.isSome(view) ? [{ run_id: view.value.run_id, status: view.value.status, active: view.value.active }] : []
    )
  })

  const cancel = Effect.fn("RunManager.cancel")(function*(runId: string) {
    const result = yield* runner.cancel(runId).pipe(
      Effect.mapError((error) => new RunManagerError({ run_id: runId, reason: `cannot cancel it: ${error.message}` }))
    )
    // A run this node started may be between being stored and being driven (no driver to stop yet):
    // its fiber stops here.
    if (result._tag === "Cancelled") yield* FiberMap.remove(fibers, runId)
    return result
  })

  return RunManager.of({
    start,
    get,
    list,
    cancel,
    awaitEnd: (runId) =>
      Effect.flatMap(trackedOf(runId), (entry) =>
        Option.match(entry, {
          onNone: () => Effect.succeed(Option.none()),
          onSome: (found) => Effect.map(Deferred.await(found.done), Option.some)
        })),
    isActive: (runId) => FiberMap.has(fibers, runId)
  })
})

/** The manager over the node's runner and store; its runs stop with the layer's scope. */
export const layer: Layer.Layer<RunManager, never, WorkflowRunner | WorkflowRunRepo> = Layer.scoped(RunManager, make)
