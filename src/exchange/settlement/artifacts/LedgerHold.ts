/** `ledger-hold.v1`: funds reserved for one contract (SETTLEMENT.md §1.4). */
import { Schema } from "effect"
import { DateTimeText, Id, issue, MinorUnits, opt, Orc, PolicyAnnotations, PositiveMinorUnits, SchemaVersion } from "./Common.js"

/** The exported hold statuses (the runtime's `frozen` is exported `disputed`, `voided` as `refunded`). */
export const HoldStatus = Schema.Literal("active", "disputed", "released", "partially-released", "refunded", "expired")
/** An exported hold status. */
export type HoldStatus = typeof HoldStatus.Type

/** `ledger-hold.v1`, with the per-status required fields. */
export const LedgerHold = Schema.Struct({
  "schema/v": SchemaVersion,
  "hold/id": Id,
  "contract/id": Id,
  "question/id": opt(Id),
  "payer/account-id": Id,
  "payee/account-id": Id,
  "escrow/node-id": Id,
  "escrow-policy/ref": Schema.String.pipe(Schema.pattern(/^escrow-policy:[a-z0-9][a-z0-9:-]*$/)),
  "amount": PositiveMinorUnits,
  "unit": Orc,
  "status": HoldStatus,
  "created-at": DateTimeText,
  "work-by": DateTimeText,
  "accept-by": DateTimeText,
  "dispute-by": DateTimeText,
  "auto-release-after": DateTimeText,
  "resolved-at": opt(DateTimeText),
  "released/amount": opt(MinorUnits),
  "refunded/amount": opt(MinorUnits),
  "dispute/case-ref": opt(Id),
  "notes": opt(Schema.String),
  "policy_annotations": opt(PolicyAnnotations)
}).pipe(
  Schema.filter((hold) => {
    const problems: Array<Schema.FilterIssue> = []
    const status = hold.status
    if (status === "disputed" && hold["dispute/case-ref"] === undefined) {
      problems.push(issue("dispute/case-ref", "is required when the hold is disputed"))
    }
    if (status !== "active" && status !== "disputed" && hold["resolved-at"] === undefined) {
      problems.push(issue("resolved-at", `is required when the hold is ${status}`))
    }
    if ((status === "released" || status === "partially-released") && hold["released/amount"] === undefined) {
      problems.push(issue("released/amount", `is required when the hold is ${status}`))
    }
    if (status === "refunded" && hold["refunded/amount"] === undefined) {
      problems.push(issue("refunded/amount", "is required when the hold is refunded"))
    }
    return problems
  }),
  Schema.annotations({ identifier: "ledger-hold.v1" })
)
/** A decoded hold. */
export type LedgerHold = typeof LedgerHold.Type
