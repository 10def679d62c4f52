/**
 * Workflow runs (docs/modules.md §3.8): a `RunRecord` (its state and the host's bookkeeping),
 * stored as one `workflow_runs` row plus its steps (the outcome of every intent it ran) in
 * `intent_outcomes` under the scope `run:<run_id>`. Outcomes are insert-if-absent: saving a run
 * never replaces an outcome already stored. A cancelled run is final in the store itself: a save that
 * comes after the cancel (a driver's last write racing the operator) changes nothing, so a cancel can
 * never be undone into `running` and picked up again by the resume at the next start.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import * as SqlSchema from "@effect/sql/SqlSchema"
import { Context, Effect, Layer, Option, Schema } from "effect"
import type { IntentResult } from "../contract/Envelope.js"
import { DbInt, JsonObjectsText, JsonObjectText, StringsText } from "./Columns.js"
import { IntentOutcomeRepo, runScope } from "./IntentOutcomeRepo.js"
import { RUN_SCHEMA, RunFailure, RunRecord, RunStatus } from "./RunRecord.js"
import { failedAs, type StoreFailed } from "./StoreError.js"

/** A stored run: the one run record (`RunRecord.ts`), under the name the store's callers use. */
export const StoredRun = RunRecord
/** A stored run. */
export type StoredRun = RunRecord

const RunRow = Schema.Struct({
  run_id: Schema.String,
  schema_version: Schema.Literal(RUN_SCHEMA),
  workflow_id: Schema.String,
  executor_id: Schema.String,
  status: RunStatus,
  template: JsonObjectText,
  params: JsonObjectText,
  state: JsonObjectText,
  moves: Schema.NonNegativeInt,
  last_intents: StringsText,
  pending_events: JsonObjectsText,
  failure: Schema.NullOr(Schema.parseJson(RunFailure)),
  created_at_ms: DbInt,
  updated_at_ms: DbInt
})
type RunRow = typeof RunRow.Type

const toRow = (run: StoredRun): RunRow => ({
  run_id: run.run_id,
  schema_version: run.schema_version,
  workflow_id: run.workflow_id,
  executor_id: run.host.executor_id,
  status: run.host.status,
  template: run.template,
  params: run.params,
  state: run.state,
  moves: run.host.moves,
  last_intents: run.host.last_intents,
  pending_events: run.host.pending_events,
  failure: run.host.failure ?? null,
  created_at_ms: run.host.created_at_ms,
  updated_at_ms: run.host.updated_at_ms
})

const fromRow = (row: RunRow, outcomes: ReadonlyArray<IntentResult>): StoredRun => ({
  schema_version: row.schema_version,
  run_id: row.run_id,
  workflow_id: row.workflow_id,
  template: row.template,
  params: row.params,
  state: row.state,
  host: {
    executor_id: row.executor_id,
    status: row.status,
    created_at_ms: row.created_at_ms,
    updated_at_ms: row.updated_at_ms,
    moves: row.moves,
    last_intents: row.last_intents,
    outcomes: Object.fromEntries(outcomes.map((outcome) => [outcome.intent_id, outcome])),
    pending_events: row.pending_events,
    ...(row.failure === null ? {} : { failure: row.failure })
  }
})

const CANCELLED: RunStatus = "cancelled"
/** The statuses a run can be cancelled from: it has not ended (a suspended run would be resumed). */
const CANCELLABLE: ReadonlyArray<RunStatus> = ["running", "suspended"]

/** What cancelling a stored run did. */
export type CancelResult =
  | { readonly _tag: "Cancelled" }
  /** It had ended already (`completed`, `failed` or `cancelled`); nothing changed. */
  | { readonly _tag: "Ended"; readonly status: RunStatus }
  | { readonly _tag: "Unknown" }

/** The workflow run repository. */
export class WorkflowRunRepo extends Context.Tag("orbiplex/store/WorkflowRunRepo")<WorkflowRunRepo, {
  /** Writes the run (and any outcome not stored yet) in one transaction; durable on return. */
  readonly save: (run: StoredRun) => Effect.Effect<void, StoreFailed>
  /** Inserts the run only if no run of that id is stored; true when it was inserted. */
  readonly insertIfAbsent: (run: StoredRun) => Effect.Effect<boolean, StoreFailed>
  /** The stored run with all its outcomes. */
  readonly load: (runId: string) => Effect.Effect<Option.Option<StoredRun>, StoreFailed>
  /** Ids of every stored run, sorted. */
  readonly list: Effect.Effect<ReadonlyArray<string>, StoreFailed>
  /** Ids of the runs in a status (e.g. `running`, to resume after a restart), sorted. */
  readonly withStatus: (status: StoredRun["host"]["status"]) => Effect.Effect<ReadonlyArray<string>, StoreFailed>
  /** Marks a run that has not ended `cancelled` (atomically: a run ending meanwhile stays as it ended). */
  readonly cancel: (runId: string, atMs: number) => Effect.Effect<CancelResult, StoreFailed>
  /** Records one step's outcome unless one is stored; answers the stored (first) one. */
  readonly recordStep: (runId: string, outcome: IntentResult) => Effect.Effect<IntentResult, StoreFailed>
}>() {}

/** Builds the repository over the store's `SqlClient`. */
export const make = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const outcomes = yield* IntentOutcomeRepo

  const upsert = SqlSchema.void({
    Request: RunRow,
    execute: (row) =>
      sql`INSERT INTO workflow_runs ${sql.insert(row)} ON CONFLICT (run_id) DO UPDATE SET
        workflow_id = excluded.workflow_id, executor_id = excluded.executor_id, status = excluded.status,
        template = excluded.template, params = excluded.params, state = excluded.state, moves = excluded.moves,
        last_intents = excluded.last_intents, pending_events = excluded.pending_events, failure = excluded.failure,
        updated_at_ms = excluded.updated_at_ms
        WHERE workflow_runs.status <> ${CANCELLED}`
  })
  const markCancelled = SqlSchema.findAll({
    Request: Schema.Struct({ run_id: Schema.String, at_ms: DbInt }),
    Result: Schema.Struct({ run_id: Schema.String }),
    execute: ({ at_ms, run_id }) =>
      sql`UPDATE workflow_runs SET status = ${CANCELLED}, updated_at_ms = ${at_ms}
        WHERE run_id = ${run_id} AND status IN ${sql.in(CANCELLABLE)} RETURNING run_id`
  })
  const statusOf = SqlSchema.findOne({
    Request: Schema.String,
    Result: Schema.Struct({ status: RunStatus }),
    execute: (runId) => sql`SELECT status FROM workflow_runs WHERE run_id = ${runId}`
  })
  const insertNew = SqlSchema.findAll({
    Request: RunRow,
    Result: Schema.Struct({ run_id: Schema.String }),
    execute: (row) => sql`INSERT INTO workflow_runs ${sql.insert(row)} ON CONFLICT (run_id) DO NOTHING RETURNING run_id`
  })
  const findRun = SqlSchema.findOne({
    Request: Schema.String,
    Result: RunRow,
    execute: (runId) => sql`SELECT * FROM workflow_runs WHERE run_id = ${runId}`
  })
  const Id = Schema.Struct({ run_id: Schema.String })
  const ids = SqlSchema.findAll({
    Request: Schema.Void,
    Result: Id,
    execute: () => sql`SELECT run_id FROM workflow_runs ORDER BY run_id`
  })
  const idsWith = SqlSchema.findAll({
    Request: RunStatus,
    Result: Id,
    execute: (status) => sql`SELECT run_id FROM workflow_runs WHERE status = ${status} ORDER BY run_id`
  })
  const storedIds = SqlSchema.findAll({
    Request: Schema.String,
    Result: Schema.Struct({ intent_id: Schema.String }),
    execute: (scope) => sql`SELECT intent_id FROM intent_outcomes WHERE scope = ${scope}`
  })
  // A run is saved after every step: only the outcomes the store does not hold yet are written.
  const storeOutcomes = (run: StoredRun) =>
    Effect.gen(function*() {
      const scope = runScope(run.run_id)
      const all = Object.values(run.host.outcomes)
      if (all.length === 0) return
      const known = new Set((yield* storedIds(scope)).map((row) => row.intent_id))
      yield* Effect.forEach(all.filter((outcome) => !known.has(outcome.intent_id)), (outcome) => outcomes.record(scope, outcome), {
        discard: true
      })
    })

  const save = Effect.fn("WorkflowRunRepo.save")((run: StoredRun) =>
    sql.withTransaction(Effect.zipRight(upsert(toRow(run)), storeOutcomes(run))).pipe(
      failedAs(`save workflow run ${run.run_id}`)
    )
  )

  const insertIfAbsent = Effect.fn("WorkflowRunRepo.insertIfAbsent")((run: StoredRun) =>
    sql.withTransaction(
      Effect.flatMap(insertNew(toRow(run)), (inserted) =>
        inserted.length === 0 ? Effect.succeed(false) : Effect.as(storeOutcomes(run), true))
    ).pipe(
      failedAs(`import workflow run ${run.run_id}`)
    )
  )

  const load = Effect.fn("WorkflowRunRepo.load")(function*(runId: string) {
    const row = yield* findRun(runId).pipe(failedAs(`read workflow run ${runId}`))
    if (Option.isNone(row)) return Option.none<StoredRun>()
    return Option.some(fromRow(row.value, yield* outcomes.ofScope(runScope(runId))))
  })

  const cancel = Effect.fn("WorkflowRunRepo.cancel")(function*(runId: string, atMs: number) {
    const marked = yield* markCancelled({ run_id: runId, at_ms: atMs }).pipe(failedAs(`cancel workflow run ${runId}`))
    if (marked.length > 0) return { _tag: "Cancelled" } satisfies CancelResult
    const row = yield* statusOf(runId).pipe(failedAs(`read workflow run ${runId}`))
    return Option.match(row, {
      onNone: (): CancelResult => ({ _tag: "Unknown" }),
      onSome: ({ status }): CancelResult => ({ _tag: "Ended", status })
    })
  })

  return WorkflowRunRepo.of({
    save,
    cancel,
    insertIfAbsent,
    load,
    list: ids(undefined).pipe(Effect.map((rows) => rows.map((row) => row.run_id)), failedAs("list workflow runs")),
    withStatus: (status) =>
      idsWith(status).pipe(Effect.map((rows) => rows.map((row) => row.run_id)), failedAs(`list ${status} workflow runs`)),
    recordStep: (runId, outcome) => outcomes.record(runScope(runId), outcome)
  })
})

/** The repository as a layer. */
export const layer: Layer.Layer<WorkflowRunRepo, never, SqlClient.SqlClient | IntentOutcomeRepo> = Layer.effect(
  WorkflowRunRepo,
  make
)
