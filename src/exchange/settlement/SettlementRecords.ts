/**
 * The settlement artifacts a node's orders produced (contracts, response envelopes, receipts), by
 * order and by receipt id, for `procurement.receipt.get`, `orbiplex ledger` and admission: the
 * admitted result's digest must outlive a restart, or a different result for the same order would
 * be taken after one. On rail `host-ledger` they live in the node's store (`layerSql`, one JSON
 * record per order, decoded by the artifacts' Schemas when read); on rail `none`, in memory.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import * as SqlSchema from "@effect/sql/SqlSchema"
import { Clock, Context, Effect, Layer, Option, Ref, Schema } from "effect"
import { ProcurementContract } from "./artifacts/ProcurementContract.js"
import { ProcurementReceipt } from "./artifacts/ProcurementReceipt.js"
import { ResponseEnvelope } from "./artifacts/ResponseEnvelope.js"

/** What one order produced so far. */
export interface OrderRecord {
  readonly orderId: string
  readonly contract?: ProcurementContract
  readonly envelope?: ResponseEnvelope
  readonly receipt?: ProcurementReceipt
  /** sha256 of the admitted result, for replay detection. */
  readonly resultDigest?: string
}

/** The records store. */
export class SettlementRecords extends Context.Tag("orbiplex/SettlementRecords")<SettlementRecords, {
  readonly get: (orderId: string) => Effect.Effect<Option.Option<OrderRecord>>
  readonly update: (orderId: string, change: (record: OrderRecord) => OrderRecord) => Effect.Effect<OrderRecord>
  readonly receipt: (receiptId: string) => Effect.Effect<Option.Option<ProcurementReceipt>>
  readonly all: Effect.Effect<ReadonlyArray<OrderRecord>>
}>() {}

/** An empty in-memory store. */
export const make = Effect.map(Ref.make(new Map<string, OrderRecord>()), (ref) =>
  SettlementRecords.of({
    get: (orderId) => Effect.map(Ref.get(ref), (map) => Option.fromNullable(map.get(orderId))),
    update: (orderId, change) =>
      Ref.modify(ref, (map) => {
        const next = change(map.get(orderId) ?? { orderId })
        return [next, new Map(map).set(orderId, next)]
      }),
    receipt: (receiptId) =>
      Effect.map(Ref.get(ref), (map) =>
        Option.fromNullable([...map.values()].find((record) => record.receipt?.["receipt/id"] === receiptId)?.receipt)),
    all: Effect.map(Ref.get(ref), (map) => [...map.values()])
  }))

/** The store as a layer. */
export const layer: Layer.Layer<SettlementRecords> = Layer.effect(SettlementRecords, make)

/** One order's record as the store keeps it (JSON text, its artifacts decoded by their Schemas). */
const StoredRecord = Schema.parseJson(Schema.Struct({
  orderId: Schema.String,
  contract: Schema.optionalWith(ProcurementContract, { exact: true }),
  envelope: Schema.optionalWith(ResponseEnvelope, { exact: true }),
  receipt: Schema.optionalWith(ProcurementReceipt, { exact: true }),
  resultDigest: Schema.optionalWith(Schema.String, { exact: true })
}))

const Row = Schema.Struct({ order_id: Schema.String, receipt_id: Schema.NullOr(Schema.String), record: StoredRecord, updated_at_ms: Schema.Number })

/**
 * The records in the store's `settlement_records`. A store that cannot be read or written here is
 * a defect: the ledger's own facts, on the same store, fail first and are reported as such.
 */
export const makeSql = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const byOrder = SqlSchema.findOne({
    Request: Schema.String,
    Result: Row,
    execute: (orderId) => sql`SELECT * FROM settlement_records WHERE order_id = ${orderId}`
  })
  const byReceipt = SqlSchema.findOne({
    Request: Schema.String,
    Result: Row,
    execute: (receiptId) => sql`SELECT * FROM settlement_records WHERE receipt_id = ${receiptId}`
  })
  const every = SqlSchema.findAll({ Request: Schema.Void, Result: Row, execute: () => sql`SELECT * FROM settlement_records ORDER BY updated_at_ms, order_id` })
  const upsert = SqlSchema.void({
    Request: Row,
    execute: (row) =>
      sql`INSERT INTO settlement_records ${sql.insert(row)}
        ON CONFLICT (order_id) DO UPDATE SET receipt_id = ${row.receipt_id}, record = ${row.record}, updated_at_ms = ${row.updated_at_ms}`
  })
  const defect = (what: string) => Effect.orDieWith((error: { readonly message: string }) => new Error(`settlement records: cannot ${what}: ${error.message}`))
  const read = (orderId: string) => Effect.map(byOrder(orderId), Option.map((row) => row.record))
  const get = (orderId: string) => read(orderId).pipe(defect(`read order ${orderId}`))

  return SettlementRecords.of({
    get,
    update: (orderId, change) =>
      Effect.gen(function*() {
        const next = change(Option.getOrElse(yield* read(orderId), () => ({ orderId })))
        const now = yield* Clock.currentTimeMillis
        yield* upsert({ order_id: orderId, receipt_id: next.receipt?.["receipt/id"] ?? null, record: next, updated_at_ms: now })
        return next
      }).pipe(sql.withTransaction, defect(`record order ${orderId}`)),
    receipt: (receiptId) =>
      byReceipt(receiptId).pipe(Effect.map(Option.flatMap((row) => Option.fromNullable(row.record.receipt))), defect(`read receipt ${receiptId}`)),
    all: every(undefined).pipe(Effect.map((rows) => rows.map((row) => row.record)), defect("read the records"))
  })
})

/** The records in the node's store. */
export const layerSql: Layer.Layer<SettlementRecords, never, SqlClient.SqlClient> = Layer.effect(SettlementRecords, makeSql)
