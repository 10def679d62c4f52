/**
 * Booking a checked gateway receipt: the receipt and its two `top-up-credit` transfers (net to
 * the account, fee to the pool) in one transaction, once per `receipt/id`; the same receipt again
 * is "already applied" (at most a missing transfer restored), another under the same id a conflict.
 */
import { Effect, Either } from "effect"
import type { StoredReceipt, TopUpOutcome } from "./LedgerModel.js"
import { transferArtifact } from "./LedgerArtifacts.js"
import { type LedgerContext, nowIso } from "./LedgerContext.js"
import { LedgerNotFound, ReceiptConflict } from "./LedgerErrors.js"
import type { TransferRow } from "./LedgerRows.js"
import { checkReceipt, gatewayBoundaryAccount, topUpTransferIds } from "./TopUp.js"
import { parseJsonUnknown } from "../../contract/Json.js"

// The ledger wrote this text from a decoded receipt; should it ever not parse, the raw text is shown
// rather than a receipt listing failing as a whole.
const storedDocument = (text: string): unknown => Either.getOrElse(parseJsonUnknown(text), (): unknown => text)

/** The top-up operations of `Ledger`. */
export const makeTopUpOperations = ({ config, read, st, write }: LedgerContext) => {
  const topUp = (document: unknown) =>
    Effect.gen(function*() {
      const checked = yield* checkReceipt(document, { trustedGateways: new Set(config.trustedGateways), poolAccountId: config.pool.accountId })
      const receiptId = checked.receipt["receipt/id"]
      const ids = topUpTransferIds(receiptId)
      return yield* write("topUp", Effect.gen(function*() {
        const [earlier] = yield* st.receipt(receiptId)
        if (earlier !== undefined && earlier.digest !== checked.digest) {
          return yield* new ReceiptConflict({ receipt_id: receiptId, applied_digest: earlier.digest, offered_digest: checked.digest })
        }
        const accountId = checked.receipt["account/id"]
        const at = earlier?.applied_at ?? (yield* nowIso)
        if ((yield* st.account(accountId))[0] === undefined) {
          // An account named after its subject (accountIdFor) opens on its first top-up; any other must be opened first.
          const subject = /^account:((participant|org|pod-user):did:key:z[1-9A-HJ-NP-Za-km-z]+)$/.exec(accountId)
          const kind = subject?.[2]
          if (subject?.[1] === undefined || (kind !== "participant" && kind !== "org" && kind !== "pod-user")) {
            return yield* new LedgerNotFound({ kind: "account", id: accountId })
          }
          yield* st.insertAccount({
            account_id: accountId,
            purpose: kind === "participant" ? "participant-settlement" : kind === "org" ? "org-settlement" : "pod-user-settlement",
            owner_kind: kind,
            owner_id: subject[1],
            federation_id: config.federationId,
            controller_kind: null,
            controller_id: null,
            created_at: at
          })
        }
        if (earlier === undefined) yield* st.insertReceipt({ receipt_id: receiptId, digest: checked.digest, document: JSON.stringify(checked.document), applied_at: at })
        const from = gatewayBoundaryAccount(checked.receipt["gateway/node-id"])
        const base = { kind: "top-up-credit", from_account_id: from, created_at: at, hold_id: null, contract_id: null, gateway_receipt_id: receiptId }
        const rows: Array<TransferRow> = [{ ...base, transfer_id: ids.net, to_account_id: accountId, amount: checked.net }]
        if (checked.fee > 0) rows.push({ ...base, transfer_id: ids.fee, to_account_id: checked.feeAccountId, amount: checked.fee })
        // Both credits are recorded together; on a replay these inserts only restore a missing one.
        for (const row of rows) yield* st.insertTransfer(row)
        return { receipt: checked.receipt, transfers: rows.map(transferArtifact), replayed: earlier !== undefined } satisfies TopUpOutcome
      }))
    })


  return {
    topUp,
    receipts: read("receipts", Effect.map(st.receipts, (rows) =>
      rows.map((row): StoredReceipt => ({ receiptId: row.receipt_id, digest: row.digest, appliedAt: row.applied_at, document: storedDocument(row.document) }))))
  }
}
