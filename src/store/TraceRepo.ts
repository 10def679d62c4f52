/**
 * Chain traces (CONTRACTS §2.3 step 6), kept for the retention the config sets
 * (`storage.retention.traces`). A trace is stored as the JSON document it is; the store sits below
 * `middleware/`, so it keeps the trace as JSON and its readers decode it with `ChainTrace`.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import * as SqlSchema from "@effect/sql/SqlSchema"
import { Clock, Context, Effect, Layer, Schema } from "effect"
import type { RetentionRule } from "../config/StorageConfig.js"
import { JsonObject } from "../contract/Json.js"
import { DbInt, JsonObjectText } from "./Columns.js"
import { prune } from "./Journal.js"
import { failedAs, type StoreFailed } from "./StoreError.js"

/** What the store needs of a trace: the columns it is found by; the rest is kept as it is. */
export interface TraceDocument extends JsonObject {
  readonly hook: string
  readonly correlation_id: string
  readonly outcome: string
}

const TraceRow = Schema.Struct({
  recorded_at_ms: DbInt,
  hook: Schema.String,
  correlation_id: Schema.String,
  outcome: Schema.String,
  trace: JsonObjectText
})

/** The chain trace repository. */
export class TraceRepo extends Context.Tag("orbiplex/store/TraceRepo")<TraceRepo, {
  readonly append: (trace: TraceDocument) => Effect.Effect<void, StoreFailed>
  /** The traces of one correlation id (a workflow run, an order), oldest first. */
  readonly byCorrelation: (correlationId: string) => Effect.Effect<ReadonlyArray<JsonObject>, StoreFailed>
  /** The newest `limit` traces, oldest first. */
  readonly recent: (limit: number) => Effect.Effect<ReadonlyArray<JsonObject>, StoreFailed>
  /** Applies a retention rule; answers how many traces went. */
  readonly prune: (rule: RetentionRule) => Effect.Effect<number, StoreFailed>
}>() {}

/** Builds the repository over the store's `SqlClient`. */
export const make = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const insert = SqlSchema.void({
    Request: TraceRow,
    execute: (row) => sql`INSERT INTO chain_traces ${sql.insert(row)}`
  })
  const Trace = Schema.Struct({ trace: JsonObjectText })
  const ofCorrelation = SqlSchema.findAll({
    Request: Schema.String,
    Result: Trace,
    execute: (id) => sql`SELECT trace FROM chain_traces WHERE correlation_id = ${id} ORDER BY id`
  })
  const newest = SqlSchema.findAll({
    Request: Schema.Int,
    Result: Trace,
    execute: (limit) => sql`SELECT trace FROM chain_traces ORDER BY id DESC LIMIT ${limit}`
  })
  return TraceRepo.of({
    append: (trace) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        insert({ recorded_at_ms: now, hook: trace.hook, correlation_id: trace.correlation_id, outcome: trace.outcome, trace })
          .pipe(failedAs(`record a trace of ${trace.hook}`))),
    byCorrelation: (id) =>
      ofCorrelation(id).pipe(Effect.map((rows) => rows.map((row) => row.trace)), failedAs(`read the traces of ${id}`)),
    recent: (limit) =>
      newest(limit).pipe(Effect.map((rows) => rows.map((row) => row.trace).reverse()), failedAs("read chain traces")),
    prune: (rule) => Effect.provideService(prune("chain_traces", rule), SqlClient.SqlClient, sql)
  })
})

/** The repository as a layer. */
export const layer: Layer.Layer<TraceRepo, never, SqlClient.SqlClient> = Layer.effect(TraceRepo, make)
