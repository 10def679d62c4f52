/**
 * `procurement.receipt.get` (SETTLEMENT.md decision 11): read the `procurement-receipt.v1` of an
 * order, by receipt id or by order id. Read-only.
 */
import { Effect, Option, Schema } from "effect"
import { ProcurementReceipt } from "../exchange/settlement/artifacts/ProcurementReceipt.js"
import { SettlementRecords } from "../exchange/settlement/SettlementRecords.js"
import { type Capability, make as makeCapability } from "./Capability.js"

/** What it takes: a receipt id or an order id. */
export const ReceiptQuery = Schema.Union(
  Schema.Struct({ receipt_id: Schema.NonEmptyTrimmedString }),
  Schema.Struct({ order_id: Schema.NonEmptyTrimmedString })
)

/** What it answers. */
export const ReceiptAnswer = Schema.Struct({
  found: Schema.Boolean,
  receipt: Schema.optionalWith(ProcurementReceipt, { exact: true })
})

/** `procurement.receipt.get` over the node's settlement records. */
export const capability: Effect.Effect<Capability, never, SettlementRecords> = Effect.map(SettlementRecords, (records) =>
  makeCapability({
    id: "procurement.receipt.get",
    description: "read the procurement receipt of an order (by receipt_id or order_id); read-only",
    input: ReceiptQuery,
    output: ReceiptAnswer,
    run: (input) =>
      Effect.map(
        "receipt_id" in input
          ? records.receipt(input.receipt_id)
          : Effect.map(records.get(input.order_id), Option.flatMap((record) => Option.fromNullable(record.receipt))),
        Option.match({ onNone: () => ({ found: false }), onSome: (receipt) => ({ found: true, receipt }) })
      )
  }))
