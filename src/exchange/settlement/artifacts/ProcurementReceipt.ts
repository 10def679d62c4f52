/** `procurement-receipt.v1`: the terminal outcome of a contract (SETTLEMENT.md §1.3). */
import { Schema } from "effect"
import { ConfirmationMode, DateTimeText, Id, issue, opt, PolicyAnnotations, SchemaVersion, SettlementRail } from "./Common.js"

const TransferRefs = Schema.NonEmptyArray(Id).pipe(
  Schema.filter((refs) => new Set(refs).size === refs.length || "transfer refs must be unique")
)

/** `procurement-receipt.v1`, with its outcome, confirmation and host-ledger rules. */
export const ProcurementReceipt = Schema.Struct({
  "schema/v": SchemaVersion,
  "receipt/id": Id,
  "contract/id": Id,
  "question/id": Id,
  "created-at": DateTimeText,
  "payer/participant-id": Id,
  "payee/participant-id": Id,
  "outcome": Schema.Literal("settled", "rejected", "expired", "canceled"),
  "confirmation/mode": ConfirmationMode,
  "settled-at": opt(DateTimeText),
  "answer/accepted": opt(Schema.Boolean),
  "payer/signature": opt(Id),
  "payee/signature": opt(Id),
  "arbiter/signatures": opt(Schema.NonEmptyArray(Id)),
  "rejection/reason": opt(Id),
  "settlement/rail": opt(SettlementRail),
  "settlement/ref": opt(Id),
  "settlement/hold-ref": opt(Id),
  "settlement/transfer-refs": opt(TransferRefs),
  "policy_annotations": opt(PolicyAnnotations)
}).pipe(
  Schema.filter((receipt) => {
    const problems: Array<Schema.FilterIssue> = []
    if (receipt.outcome === "settled") {
      for (const key of ["settled-at", "payer/signature", "payee/signature"] as const) {
        if (receipt[key] === undefined) problems.push(issue(key, "is required when the outcome is settled"))
      }
      if (receipt["answer/accepted"] !== true) problems.push(issue("answer/accepted", "must be true when the outcome is settled"))
    } else if (receipt["rejection/reason"] === undefined) {
      problems.push(issue("rejection/reason", `is required when the outcome is ${receipt.outcome}`))
    }
    if (receipt["confirmation/mode"] === "arbiter-confirmed" && receipt["arbiter/signatures"] === undefined) {
      problems.push(issue("arbiter/signatures", "is required when confirmation/mode is arbiter-confirmed"))
    }
    if (receipt["settlement/rail"] === "host-ledger") {
      for (const key of ["settlement/ref", "settlement/hold-ref", "settlement/transfer-refs"] as const) {
        if (receipt[key] === undefined) problems.push(issue(key, "is required on the host-ledger rail, refunds included"))
      }
    }
    return problems
  }),
  Schema.annotations({ identifier: "procurement-receipt.v1" })
)
/** A decoded receipt. */
export type ProcurementReceipt = typeof ProcurementReceipt.Type
