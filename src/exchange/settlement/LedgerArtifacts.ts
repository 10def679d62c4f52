/** Rows to exported artifacts: every one the ledger hands out is in its orbidocs shape. */
import type { LedgerAccount } from "./artifacts/LedgerAccount.js"
import type { LedgerTransfer, TransferKind } from "./artifacts/LedgerTransfer.js"
import type { AccountRow, TransferRow } from "./LedgerRows.js"

/** Available and held amounts of one account, in ORC minor units. */
export interface Balance {
  readonly available: number
  readonly held: number
}

const KINDS: ReadonlyArray<TransferKind> = ["top-up-credit", "escrow-hold", "release", "partial-release", "refund", "payout-debit", "adjustment"]
const kindOf = (text: string): TransferKind => KINDS.find((kind) => kind === text) ?? "adjustment"

/** A transfer row as `ledger-transfer.v1`. */
export const transferArtifact = (row: TransferRow): LedgerTransfer => ({
  "schema/v": 1,
  "transfer/id": row.transfer_id,
  "kind": kindOf(row.kind),
  "from/account-id": row.from_account_id,
  "to/account-id": row.to_account_id,
  "amount": row.amount,
  "unit": "ORC",
  "created-at": row.created_at,
  ...(row.hold_id === null ? {} : { "hold/id": row.hold_id }),
  ...(row.contract_id === null ? {} : { "contract/id": row.contract_id }),
  ...(row.gateway_receipt_id === null ? {} : { "gateway-receipt/id": row.gateway_receipt_id })
})

/** An account row and its balance as `ledger-account.v1` (balances are the exported read model). */
export const accountArtifact = (row: AccountRow, balance: Balance): LedgerAccount => ({
  "schema/v": 1,
  "account/id": row.account_id,
  "account/purpose": row.purpose === "community-pool" || row.purpose === "org-settlement" || row.purpose === "pod-user-settlement"
    ? row.purpose
    : "participant-settlement",
  "owner/kind": row.owner_kind === "org" || row.owner_kind === "pod-user" ? row.owner_kind : "participant",
  "owner/id": row.owner_id,
  "federation/id": row.federation_id,
  "unit": "ORC",
  "status": "active",
  "available/balance": Math.max(0, balance.available),
  "held/balance": Math.max(0, balance.held),
  "created-at": row.created_at,
  ...(row.controller_kind === "owner" || row.controller_kind === "council" ? { "disbursement/controller-kind": row.controller_kind } : {}),
  ...(row.controller_id === null ? {} : { "disbursement/controller-id": row.controller_id })
})
