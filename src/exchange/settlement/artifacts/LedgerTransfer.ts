/** `ledger-transfer.v1`: one append-only movement of value (SETTLEMENT.md §1.5). */
import { Schema } from "effect"
import { DateTimeText, Id, issue, opt, Orc, PolicyAnnotations, PositiveMinorUnits, SchemaVersion } from "./Common.js"

/** The transfer kinds. */
export const TransferKind = Schema.Literal("top-up-credit", "escrow-hold", "release", "partial-release", "refund", "payout-debit", "adjustment")
/** A transfer kind. */
export type TransferKind = typeof TransferKind.Type

const HOLD_KINDS: ReadonlySet<TransferKind> = new Set(["escrow-hold", "release", "partial-release", "refund"])
const GATEWAY_KINDS: ReadonlySet<TransferKind> = new Set(["top-up-credit", "payout-debit"])

/** `ledger-transfer.v1`, with the references each kind needs. */
export const LedgerTransfer = Schema.Struct({
  "schema/v": SchemaVersion,
  "transfer/id": Id,
  "kind": TransferKind,
  "from/account-id": Id,
  "to/account-id": Id,
  "amount": PositiveMinorUnits,
  "unit": Orc,
  "created-at": DateTimeText,
  "hold/id": opt(Id),
  "contract/id": opt(Id),
  "gateway-receipt/id": opt(Id),
  "notes": opt(Schema.String),
  "policy_annotations": opt(PolicyAnnotations)
}).pipe(
  Schema.filter((transfer) => {
    const problems: Array<Schema.FilterIssue> = []
    if (HOLD_KINDS.has(transfer.kind)) {
      for (const key of ["hold/id", "contract/id"] as const) {
        if (transfer[key] === undefined) problems.push(issue(key, `is required for a ${transfer.kind} transfer`))
      }
    }
    if (GATEWAY_KINDS.has(transfer.kind) && transfer["gateway-receipt/id"] === undefined) {
      problems.push(issue("gateway-receipt/id", `is required for a ${transfer.kind} transfer`))
    }
    return problems
  }),
  Schema.annotations({ identifier: "ledger-transfer.v1" })
)
/** A decoded transfer. */
export type LedgerTransfer = typeof LedgerTransfer.Type
