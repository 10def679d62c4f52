/** `service-offer.v1`: a provider participant's signed standing offer (SETTLEMENT.md §1.8, decision 4). */
import { Schema } from "effect"
import { ConfirmationMode, DateTimeText, Id, MinorUnits, NodeId, opt, ParticipantId, SchemaVersion } from "./Common.js"
import { ArtifactSignature } from "./GatewayReceipt.js"

/** How an offer's price is counted. */
export const UnitKind = Schema.Literal("per-item", "per-character-block", "per-request", "per-task", "flat")
/** A unit kind. */
export type UnitKind = typeof UnitKind.Type

/** `service-offer.v1` (extra keys allowed, and covered by the signature). */
export const ServiceOffer = Schema.Struct({
  "schema/v": SchemaVersion,
  "offer/id": Schema.String.pipe(Schema.pattern(/^offer:[A-Za-z0-9][A-Za-z0-9:-]*$/)),
  "offer/status": opt(Schema.Literal("active", "withdrawn")),
  "created-at": DateTimeText,
  "published-at": DateTimeText,
  "expires-at": DateTimeText,
  "sequence/no": Schema.Int.pipe(Schema.greaterThanOrEqualTo(1)),
  "provider/node-id": NodeId,
  "provider/participant-id": ParticipantId,
  "service/type": Id,
  "service/description": Id,
  "pricing/amount": MinorUnits,
  "pricing/currency": Schema.String.pipe(Schema.minLength(2), Schema.maxLength(16)),
  "pricing/unit": Id,
  "pricing/unit-kind": UnitKind,
  "delivery/max-duration-sec": Schema.Int.pipe(Schema.greaterThanOrEqualTo(1)),
  "queue/auto-accept": Schema.Boolean,
  "queue/max-depth": Schema.Int.pipe(Schema.greaterThanOrEqualTo(1)),
  "queue/current-depth": opt(Schema.Int.pipe(Schema.nonNegative())),
  "constraints/input": opt(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  "constraints/output": opt(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  "hybrid": Schema.Boolean,
  "model-first": opt(Schema.Boolean),
  "confirmation/mode": opt(ConfirmationMode),
  "signature": ArtifactSignature
}).pipe(
  Schema.filter((offer) => offer["model-first"] !== true || offer.hybrid || { path: ["model-first"], message: "is false unless hybrid" }),
  Schema.annotations({ identifier: "service-offer.v1" })
)
/** A decoded offer. */
export type ServiceOffer = typeof ServiceOffer.Type
