/** `gateway-receipt.v1`: one signed crossing between fiat and ORC (SETTLEMENT.md §1.6). */
import { Schema } from "effect"
import { DateTimeText, Id, issue, opt, Orc, PolicyAnnotations, PositiveMinorUnits, SchemaVersion, MinorUnits } from "./Common.js"

/** `{alg: "ed25519", value: <base64url>}` (extra keys allowed). */
export const ArtifactSignature = Schema.Struct({
  alg: Schema.Literal("ed25519"),
  value: Schema.String.pipe(Schema.minLength(1))
})
/** A decoded signature. */
export type ArtifactSignature = typeof ArtifactSignature.Type

const PositiveNumber = Schema.Number.pipe(Schema.positive(), Schema.finite())

/** The fields an inbound receipt must carry on top of the base ones. */
export const INBOUND_FIELDS = [
  "fee/external-amount", "fee/rate", "fee/destination-account-id", "net/external-amount", "rate/applied", "internal/fee-amount"
] as const

/** `gateway-receipt.v1`, with the inbound fee fields required. */
export const GatewayReceipt = Schema.Struct({
  "schema/v": SchemaVersion,
  "receipt/id": Id,
  "gateway/node-id": Id,
  "direction": Schema.Literal("inbound", "outbound"),
  // Fiat side: floats allowed (SETTLEMENT.md decision 8).
  "external/amount": PositiveNumber,
  "external/currency": Schema.String.pipe(Schema.minLength(2), Schema.maxLength(16)),
  "internal/amount": PositiveMinorUnits,
  "internal/currency": Orc,
  "account/id": Id,
  "ts": DateTimeText,
  "external/payment-ref": Id,
  "gateway-policy/ref": Schema.String.pipe(Schema.pattern(/^gateway-policy:[a-z0-9][a-z0-9:-]*$/)),
  "fee/external-amount": opt(Schema.Number.pipe(Schema.nonNegative(), Schema.finite())),
  "fee/rate": opt(Schema.Number.pipe(Schema.between(0, 1))),
  "fee/destination-account-id": opt(Id),
  "net/external-amount": opt(PositiveNumber),
  "rate/applied": opt(PositiveNumber),
  "internal/fee-amount": opt(MinorUnits),
  "external/provider": opt(Id),
  "exchange-policy/ref": opt(Id),
  "notes": opt(Schema.String),
  "signature": ArtifactSignature,
  "policy_annotations": opt(PolicyAnnotations)
}).pipe(
  Schema.filter((receipt) =>
    receipt.direction === "inbound"
      ? INBOUND_FIELDS.filter((key) => receipt[key] === undefined).map((key) => issue(key, "is required for an inbound receipt"))
      : undefined
  ),
  Schema.annotations({ identifier: "gateway-receipt.v1" })
)
/** A decoded gateway receipt. */
export type GatewayReceipt = typeof GatewayReceipt.Type
