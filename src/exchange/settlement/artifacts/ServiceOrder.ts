/** `service-order.v1`: a buyer's signed order against one offer sequence (SETTLEMENT.md §1.8, decisions 4-5). */
import { Schema } from "effect"
import { DateTimeText, Id, issue, MinorUnits, NodeId, opt, ParticipantId, SchemaVersion, SubjectRef } from "./Common.js"
import { ArtifactSignature } from "./GatewayReceipt.js"

/** `service-order.v1` (extra keys allowed, and covered by the signature). */
export const ServiceOrder = Schema.Struct({
  "schema/v": SchemaVersion,
  "order/id": Schema.String.pipe(Schema.pattern(/^order:[A-Za-z0-9][A-Za-z0-9:-]*$/)),
  "created-at": DateTimeText,
  "buyer/node-id": NodeId,
  "buyer/subject-kind": Schema.Literal("participant", "org"),
  "buyer/subject-id": SubjectRef,
  "buyer/operator-participant-id": opt(ParticipantId),
  "provider/node-id": NodeId,
  "provider/participant-id": ParticipantId,
  "offer/id": Id,
  "offer/seq": Schema.Int.pipe(Schema.greaterThanOrEqualTo(1)),
  "service/type": Id,
  "request/units": Schema.Int.pipe(Schema.greaterThanOrEqualTo(1)),
  "request/input": Schema.Unknown,
  "pricing/max-amount": MinorUnits,
  "pricing/currency": Schema.String.pipe(Schema.minLength(2), Schema.maxLength(16)),
  "delivery/requested-by": opt(DateTimeText),
  "workflow/run-id": opt(Id),
  "workflow/step-id": opt(Id),
  "workflow/attempt": opt(Schema.Int.pipe(Schema.greaterThanOrEqualTo(1))),
  "signature": ArtifactSignature
}).pipe(
  Schema.filter((order) =>
    order["buyer/subject-kind"] !== "org" || order["buyer/operator-participant-id"] !== undefined ||
    issue("buyer/operator-participant-id", "is required when the buyer is an org")
  ),
  Schema.filter((order) => order["request/input"] !== undefined || issue("request/input", "is required")),
  Schema.annotations({ identifier: "service-order.v1" })
)
/** A decoded order. */
export type ServiceOrder = typeof ServiceOrder.Type
