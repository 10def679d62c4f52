/**
 * Persists lifecycle facts and chain traces as they happen (issue 10): the lifecycle log and the
 * trace store hand each one to a sink, and the sink is a write-behind `JournalQueue` into the
 * store's `FactRepo` / `TraceRepo`. The invoke path never waits on the database; a full queue drops
 * its oldest entries and counts them. Retention is the store's pruner (`storage.retention`).
 */
import * as SqlClient from "@effect/sql/SqlClient"
import { Effect, Layer, Schema } from "effect"
import { JsonObject } from "../contract/Json.js"
import { ChainTrace } from "../middleware/ChainTrace.js"
import { TraceSink } from "../middleware/TraceStore.js"
import { FactRepo } from "../store/FactRepo.js"
import * as JournalQueue from "../store/JournalQueue.js"
import { failedAs, StoreFailed } from "../store/StoreError.js"
import { TraceRepo } from "../store/TraceRepo.js"
import { FactSink } from "../supervisor/LifecycleLog.js"

/** Entries waiting for the writer, per journal, before the oldest are dropped. */
export const DEFAULT_QUEUE_CAPACITY = 10_000

const encodeTrace = Schema.encode(ChainTrace)
const decodeJson = Schema.decodeUnknown(JsonObject)

const traceJson = (trace: ChainTrace): Effect.Effect<JsonObject, StoreFailed> =>
  encodeTrace(trace).pipe(
    Effect.flatMap(decodeJson),
    Effect.mapError((error) => new StoreFailed({ operation: `encode the trace of ${trace.hook}`, reason: error.message }))
  )

/** One transaction per batch: a commit per journal entry would cost the event loop an fsync each (SQLite). */
const inTransaction = (name: string) =>
  Effect.map(SqlClient.SqlClient, (sql) => (writes: Effect.Effect<void, StoreFailed>) =>
    sql.withTransaction(writes).pipe(failedAs(`journal a batch of ${name}`)))

/** The fact sink over `FactRepo`. */
export const layerFactSink = (capacity: number = DEFAULT_QUEUE_CAPACITY): Layer.Layer<FactSink, never, FactRepo | SqlClient.SqlClient> =>
  Layer.scoped(
    FactSink,
    Effect.gen(function*() {
      const facts = yield* FactRepo
      const transaction = yield* inTransaction("lifecycle facts")
      const queue = yield* JournalQueue.make({ name: "lifecycle facts", capacity, write: facts.append, transaction })
      return FactSink.of({ offer: queue.offer })
    })
  )

/** The trace sink over `TraceRepo`. */
export const layerTraceSink = (capacity: number = DEFAULT_QUEUE_CAPACITY): Layer.Layer<TraceSink, never, TraceRepo | SqlClient.SqlClient> =>
  Layer.scoped(
    TraceSink,
    Effect.gen(function*() {
      const traces = yield* TraceRepo
      const transaction = yield* inTransaction("chain traces")
      const queue = yield* JournalQueue.make({
        name: "chain traces",
        capacity,
        transaction,
        write: (trace: ChainTrace) =>
          Effect.flatMap(traceJson(trace), (json) =>
            traces.append({ ...json, hook: trace.hook, correlation_id: trace.correlation_id, outcome: trace.outcome }))
      })
      return TraceSink.of({ offer: queue.offer })
    })
  )

/** Both sinks. */
export const layer = (capacity: number = DEFAULT_QUEUE_CAPACITY): Layer.Layer<FactSink | TraceSink, never, FactRepo | TraceRepo | SqlClient.SqlClient> =>
  Layer.merge(layerFactSink(capacity), layerTraceSink(capacity))
