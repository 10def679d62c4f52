/**
 * Intent outcomes by (scope, intent id): the idempotency record of intents. The first outcome
 * stored for an id is the outcome: a repeat of the intent, before or after a restart of the node,
 * is answered from here and never run again. A workflow run's steps use the scope `run:<run_id>`.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import * as SqlSchema from "@effect/sql/SqlSchema"
import { Clock, Context, Effect, Layer, Option, Schema } from "effect"
import { IntentResult } from "../contract/Envelope.js"
import { DbInt, OptionalJsonText } from "./Columns.js"
import { failedAs, type StoreFailed } from "./StoreError.js"

/** The stored form of an outcome: optional fields as NULL, the result as JSON text. */
const OutcomeRow = Schema.Struct({
  scope: Schema.String,
  intent_id: Schema.String,
  status: Schema.Literal("ok", "rejected", "failed"),
  result: OptionalJsonText,
  error: Schema.NullOr(Schema.String),
  recorded_at_ms: DbInt
})

const toResult = (row: typeof OutcomeRow.Type): IntentResult => ({
  intent_id: row.intent_id,
  status: row.status,
  ...(Option.isNone(row.result) ? {} : { result: row.result.value }),
  ...(row.error === null ? {} : { error: row.error })
})

/** The intent outcome repository. */
export class IntentOutcomeRepo extends Context.Tag("orbiplex/store/IntentOutcomeRepo")<IntentOutcomeRepo, {
  /** Stores `result` unless an outcome of the same id is stored; answers the stored (first) one. */
  readonly record: (scope: string, result: IntentResult) => Effect.Effect<IntentResult, StoreFailed>
  /** The stored outcome of an intent id, if any. */
  readonly find: (scope: string, intentId: string) => Effect.Effect<Option.Option<IntentResult>, StoreFailed>
  /** Every outcome of a scope, oldest first. */
  readonly ofScope: (scope: string) => Effect.Effect<ReadonlyArray<IntentResult>, StoreFailed>
}>() {}

/** The scope of a workflow run's steps. */
export const runScope = (runId: string): string => `run:${runId}`

/** Builds the repository over the store's `SqlClient`. */
export const make = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const Key = Schema.Struct({ scope: Schema.String, intent_id: Schema.String })

  const insertIfAbsent = SqlSchema.void({
    Request: OutcomeRow,
    execute: (row) => sql`INSERT INTO intent_outcomes ${sql.insert(row)} ON CONFLICT (scope, intent_id) DO NOTHING`
  })
  const findRow = SqlSchema.findOne({
    Request: Key,
    Result: OutcomeRow,
    execute: (key) => sql`SELECT * FROM intent_outcomes WHERE scope = ${key.scope} AND intent_id = ${key.intent_id}`
  })
  const scopeRows = SqlSchema.findAll({
    Request: Schema.String,
    Result: OutcomeRow,
    execute: (scope) => sql`SELECT * FROM intent_outcomes WHERE scope = ${scope} ORDER BY recorded_at_ms, intent_id`
  })

  const find = (scope: string, intentId: string) =>
    findRow({ scope, intent_id: intentId }).pipe(Effect.map(Option.map(toResult)), failedAs(`read the outcome of intent ${intentId}`))

  const record = Effect.fn("IntentOutcomeRepo.record")(function*(scope: string, result: IntentResult) {
    const now = yield* Clock.currentTimeMillis
    yield* insertIfAbsent({
      scope,
      intent_id: result.intent_id,
      status: result.status,
      result: "result" in result && result.result !== undefined ? Option.some(result.result) : Option.none(),
      error: result.error ?? null,
      recorded_at_ms: now
    }).pipe(failedAs(`record the outcome of intent ${result.intent_id}`))
    const stored = yield* find(scope, result.intent_id)
    // The row exists now (ours or the one that won); a missing row means it was deleted under us.
    return Option.getOrElse(stored, () => result)
  })

  return IntentOutcomeRepo.of({
    record,
    find,
    ofScope: (scope) => scopeRows(scope).pipe(Effect.map((rows) => rows.map(toResult)), failedAs(`read the outcomes of ${scope}`))
  })
})

/** The repository as a layer. */
export const layer: Layer.Layer<IntentOutcomeRepo, never, SqlClient.SqlClient> = Layer.effect(IntentOutcomeRepo, make)
