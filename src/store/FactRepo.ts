/**
 * Lifecycle facts of supervised modules (CONTRACTS §1.4), kept for the retention the config sets
 * (`storage.retention.facts`), so an operator can read what happened before the last restart.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import * as SqlSchema from "@effect/sql/SqlSchema"
import { Clock, Context, Effect, Layer, Schema } from "effect"
import type { RetentionRule } from "../config/StorageConfig.js"
import { LifecycleFact } from "../contract/LifecycleFact.js"
import { DbInt } from "./Columns.js"
import { prune } from "./Journal.js"
import { failedAs, type StoreFailed } from "./StoreError.js"

const FactRow = Schema.Struct({
  recorded_at_ms: DbInt,
  module_id: Schema.String,
  fact: Schema.parseJson(LifecycleFact)
})

/** Which facts to read: the newest `limit`, of one module or of all. */
export interface FactQuery {
  readonly limit: number
  readonly module_id?: string
}

/** The lifecycle fact repository. */
export class FactRepo extends Context.Tag("orbiplex/store/FactRepo")<FactRepo, {
  readonly append: (fact: LifecycleFact) => Effect.Effect<void, StoreFailed>
  /** The newest facts, oldest first. */
  readonly recent: (query: FactQuery) => Effect.Effect<ReadonlyArray<LifecycleFact>, StoreFailed>
  /** Applies a retention rule; answers how many facts went. */
  readonly prune: (rule: RetentionRule) => Effect.Effect<number, StoreFailed>
}>() {}

/** Builds the repository over the store's `SqlClient`. */
export const make = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const insert = SqlSchema.void({
    Request: FactRow,
    execute: (row) => sql`INSERT INTO lifecycle_facts ${sql.insert(row)}`
  })
  const newest = SqlSchema.findAll({
    Request: Schema.Struct({ limit: Schema.Int, module_id: Schema.optionalWith(Schema.String, { exact: true }) }),
    Result: FactRow,
    execute: (query) =>
      query.module_id === undefined
        ? sql`SELECT * FROM lifecycle_facts ORDER BY id DESC LIMIT ${query.limit}`
        : sql`SELECT * FROM lifecycle_facts WHERE module_id = ${query.module_id} ORDER BY id DESC LIMIT ${query.limit}`
  })
  return FactRepo.of({
    append: (fact) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        insert({ recorded_at_ms: now, module_id: fact.module_id, fact }).pipe(failedAs(`record a lifecycle fact of ${fact.module_id}`))),
    recent: (query) =>
      newest(query).pipe(Effect.map((rows) => rows.map((row) => row.fact).reverse()), failedAs("read lifecycle facts")),
    prune: (rule) => Effect.provideService(prune("lifecycle_facts", rule), SqlClient.SqlClient, sql)
  })
})

/** The repository as a layer. */
export const layer: Layer.Layer<FactRepo, never, SqlClient.SqlClient> = Layer.effect(FactRepo, make)
