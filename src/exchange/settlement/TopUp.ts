/**
 * Checking a gateway receipt before it is credited (SETTLEMENT.md §1.6, §2): the schema, the
 * direction (payouts are deferred), a trusted gateway, its signature over the receipt as sent
 * (extra keys included), the integer amounts against net × rate, and the fee's destination.
 * What passes becomes two `top-up-credit` transfers: net to the account, the fee to the pool.
 */
import { Effect, Either } from "effect"
import { createHash } from "node:crypto"
import { isJsonObject } from "../../contract/Json.js"
import { canonicalJson } from "../../resilience/CanonicalJson.js"
import { GATEWAY_RECEIPT_DOMAIN, verify } from "./ArtifactSignature.js"
import { decoderEither, problemText } from "./artifacts/Common.js"
import { GatewayReceipt } from "./artifacts/GatewayReceipt.js"
import { ReceiptRefused } from "./LedgerErrors.js"

/** A receipt that passed every check, with what crediting it books. */
export interface CheckedReceipt {
  readonly receipt: GatewayReceipt
  /** The receipt exactly as offered (what the signature covers and the ledger stores). */
  readonly document: Readonly<Record<string, unknown>>
  /** sha256 of its canonical JSON: the same id with another digest is a conflict. */
  readonly digest: string
  readonly net: number
  readonly fee: number
  readonly feeAccountId: string
}

/** Who may sign receipts, and where fees must go. */
export interface TopUpPolicy {
  /** `node:did:key:…` ids of trusted gateways (the node itself, for a sovereign operator's top-ups). */
  readonly trustedGateways: ReadonlySet<string>
  readonly poolAccountId: string
}

/** The transfer ids a receipt books: deterministic, so a replay can only find them, never add them. */
export const topUpTransferIds = (receiptId: string) => ({
  net: `transfer:top-up:${receiptId}`,
  fee: `transfer:top-up-fee:${receiptId}`
})

/** The account id top-up transfers are debited from: the gateway's side of the boundary, not a ledger account. */
export const gatewayBoundaryAccount = (gatewayNodeId: string): string => `gateway:${gatewayNodeId}`

/** The receipt's digest. */
export const receiptDigest = (document: unknown): string => createHash("sha256").update(canonicalJson(document)).digest("hex")

const decode = decoderEither(GatewayReceipt)

// Fiat amounts are floats: they must add up to within a millionth of the gross.
const closeEnough = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a), Math.abs(b))

/** Checks one offered receipt against the policy. */
export const checkReceipt = (offered: unknown, policy: TopUpPolicy): Effect.Effect<CheckedReceipt, ReceiptRefused> =>
  Effect.gen(function*() {
    const idOf = isJsonObject(offered) && typeof offered["receipt/id"] === "string" ? offered["receipt/id"] : "(no receipt/id)"
    const refuse = (reason: string) => Effect.fail(new ReceiptRefused({ receipt_id: idOf, reason }))
    if (!isJsonObject(offered)) return yield* refuse("it is not a JSON object")
    const decoded = decode(offered)
    if (Either.isLeft(decoded)) return yield* refuse(`not a valid gateway-receipt.v1: ${problemText(decoded.left)}`)
    const receipt = decoded.right
    if (receipt.direction !== "inbound") return yield* refuse("outbound receipts (payouts) are not supported yet; only inbound top-ups are credited")
    const gateway = receipt["gateway/node-id"]
    if (!policy.trustedGateways.has(gateway)) {
      return yield* refuse(`gateway ${gateway} is not trusted by this node (trust it explicitly, e.g. --gateway ${gateway})`)
    }
    const badSignature = verify(GATEWAY_RECEIPT_DOMAIN, offered, gateway, receipt.signature)
    if (badSignature !== undefined) return yield* refuse(`bad signature: ${badSignature}`)
    // The schema made these present for inbound receipts.
    const feeExternal = receipt["fee/external-amount"] ?? 0
    const netExternal = receipt["net/external-amount"] ?? 0
    const rate = receipt["rate/applied"] ?? 0
    const fee = receipt["internal/fee-amount"] ?? 0
    const feeAccountId = receipt["fee/destination-account-id"] ?? ""
    const net = receipt["internal/amount"]
    if (!closeEnough(feeExternal + netExternal, receipt["external/amount"])) {
      return yield* refuse(`fee ${feeExternal} + net ${netExternal} does not make the gross ${receipt["external/amount"]}`)
    }
    if (net !== Math.round(netExternal * rate)) {
      return yield* refuse(`internal/amount ${net} is not net ${netExternal} × rate ${rate} = ${Math.round(netExternal * rate)}`)
    }
    if (fee !== Math.round(feeExternal * rate)) {
      return yield* refuse(`internal/fee-amount ${fee} is not fee ${feeExternal} × rate ${rate} = ${Math.round(feeExternal * rate)}`)
    }
    if (fee > 0 && feeAccountId !== policy.poolAccountId) {
      return yield* refuse(`the fee goes to ${feeAccountId}, but this ledger's community pool is ${policy.poolAccountId}`)
    }
    return { receipt, document: offered, digest: receiptDigest(offered), net, fee, feeAccountId }
  })
