/**
 * The settlement artifacts a node's orders produced (contracts, response envelopes, receipts), by
 * order and by receipt id, for `procurement.receipt.get` and tests. Kept in memory for now: the
 * ledger's holds and transfers are the persisted facts, and a receipt is rebuilt from them on the
 * order's replay.
 */
import { Context, Effect, Layer, Option, Ref } from "effect"
import type { ProcurementContract } from "./artifacts/ProcurementContract.js"
import type { ProcurementReceipt } from "./artifacts/ProcurementReceipt.js"
import type { ResponseEnvelope } from "./artifacts/ResponseEnvelope.js"

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
