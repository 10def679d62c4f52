/**
 * The bodies of the peer transport (SETTLEMENT.md "Transport between nodes", §1.8, §5). Artifacts
 * keep their orbidocs slash keys and allow extra keys (signed bytes cover them), except the result,
 * which is a closed schema.
 */
import { Schema } from "effect"
import { DateTimeText, Id, NodeId, ParticipantId } from "../settlement/artifacts/Common.js"

/** `{"alg": "ed25519", "value": "<base64url>"}` (decision 3). */
export const ArtifactSignatureValue = Schema.Struct({ alg: Schema.Literal("ed25519"), value: Schema.String })

/** `service-offer.v1`: the fields a buyer relies on; everything else is kept as signed. */
export const ServiceOffer = Schema.Struct({
  "offer/id": Schema.String.pipe(Schema.pattern(/^offer:[A-Za-z0-9][A-Za-z0-9:-]*$/)),
  "created-at": DateTimeText,
  "published-at": DateTimeText,
  "expires-at": DateTimeText,
  "sequence/no": Schema.Int.pipe(Schema.nonNegative()),
  "provider/node-id": NodeId,
  "provider/participant-id": ParticipantId,
  "service/type": Id,
  "service/description": Schema.String,
  "pricing/amount": Schema.Int.pipe(Schema.nonNegative()),
  "pricing/currency": Id,
  "pricing/unit": Schema.String,
  "pricing/unit-kind": Schema.Literal("per-item", "per-character-block", "per-request", "per-task", "flat"),
  "delivery/max-duration-sec": Schema.Int.pipe(Schema.positive()),
  "queue/auto-accept": Schema.Boolean,
  "queue/max-depth": Schema.Int.pipe(Schema.nonNegative()),
  hybrid: Schema.Boolean,
  "offer/status": Schema.optionalWith(Schema.Literal("active", "withdrawn"), { exact: true }),
  signature: ArtifactSignatureValue
}).annotations({ identifier: "ServiceOffer" })
/** A decoded offer. */
export type ServiceOffer = typeof ServiceOffer.Type

/** `service-offer-relay.v1`: the unsigned envelope (≤ 1 hop) around an untouched signed offer. */
export const ServiceOfferRelay = Schema.Struct({
  "relay/id": Schema.String.pipe(Schema.pattern(/^offer-relay:/)),
  "relay/origin-node-id": NodeId,
  "relay/hops": Schema.Int.pipe(Schema.between(0, 3)),
  "relay/relayed-at": DateTimeText,
  "relay/do-not-forward": Schema.optionalWith(Schema.Boolean, { exact: true }),
  offer: Schema.Record({ key: Schema.String, value: Schema.Unknown })
}).annotations({ identifier: "ServiceOfferRelay" })
/** A relay envelope. */
export type ServiceOfferRelay = typeof ServiceOfferRelay.Type

/** `offer-catalog.fetch.request`. */
export const CatalogFetchRequest = Schema.Struct({
  filter: Schema.optionalWith(
    Schema.Struct({
      service_type: Schema.optionalWith(Schema.String, { exact: true }),
      provider_participant_id: Schema.optionalWith(Schema.String, { exact: true })
    }),
    { exact: true }
  ),
  query_id: Schema.optionalWith(Schema.String, { exact: true })
}).annotations({ identifier: "CatalogFetchRequest" })
/** A catalog fetch. */
export type CatalogFetchRequest = typeof CatalogFetchRequest.Type

/** `offer-catalog.fetch.response`. */
export const CatalogFetchResponse = Schema.Struct({
  offers: Schema.Array(ServiceOfferRelay),
  node_id: NodeId,
  responded_at: DateTimeText,
  query_id: Schema.optionalWith(Schema.String, { exact: true }),
  error: Schema.NullOr(Schema.String)
}).annotations({ identifier: "CatalogFetchResponse" })
/** A catalog answer. */
export type CatalogFetchResponse = typeof CatalogFetchResponse.Type

/** Workflow lineage a dispatch and its result carry (all optional). */
const lineage = {
  "workflow/run-id": Schema.optionalWith(Schema.String, { exact: true }),
  "workflow/step-id": Schema.optionalWith(Schema.String, { exact: true }),
  "workflow/attempt": Schema.optionalWith(Schema.Int.pipe(Schema.nonNegative()), { exact: true })
}

/** `service-order.v1`, as far as the transport looks into it; the seller verifies the rest. */
export const ServiceOrder = Schema.Struct({
  "order/id": Schema.String.pipe(Schema.pattern(/^order:[A-Za-z0-9][A-Za-z0-9:-]*$/)),
  "buyer/node-id": NodeId,
  "provider/node-id": NodeId,
  "offer/id": Schema.String,
  "offer/seq": Schema.Int.pipe(Schema.nonNegative()),
  "service/type": Id,
  signature: ArtifactSignatureValue
}).annotations({ identifier: "ServiceOrder" })

/** `service-order.dispatch.request.v1`. */
export const DispatchRequest = Schema.Struct({
  request_id: Id,
  order: ServiceOrder,
  "correlation/id": Id,
  "reply/target": Schema.String,
  delivery_deadline: DateTimeText,
  ...lineage
}).annotations({ identifier: "DispatchRequest" })
/** A dispatch. */
export type DispatchRequest = typeof DispatchRequest.Type

/** The 202 answer to a dispatch. */
export const DispatchAccepted = Schema.Struct({ request_id: Id }).annotations({ identifier: "DispatchAccepted" })
/** The 202 answer. */
export type DispatchAccepted = typeof DispatchAccepted.Type

/** `service-order.result.v1` (closed: unknown keys are refused). */
export const ServiceOrderResult = Schema.Struct({
  request_id: Id,
  "correlation/id": Id,
  ...lineage,
  service_type: Id,
  status: Schema.Literal("completed", "failed", "rejected"),
  output: Schema.optionalWith(Schema.Unknown, { exact: true }),
  error: Schema.optionalWith(Schema.Struct({ code: Schema.String, message: Schema.String }), { exact: true }),
  "provider/node-id": NodeId,
  "provider/participant-id": ParticipantId,
  responded_at: DateTimeText,
  // Diagnostic only: the buyer's ledger is the truth.
  "settlement/refs": Schema.optionalWith(Schema.Array(Schema.String), { exact: true }),
  "hold/ref": Schema.optionalWith(Schema.String, { exact: true }),
  "receipt/ref": Schema.optionalWith(Schema.String, { exact: true })
}).pipe(
  Schema.filter((result) =>
    result.status === "completed"
      ? result.output !== undefined || { path: ["output"], message: "a completed result carries output" }
      : result.error !== undefined || { path: ["error"], message: `a ${result.status} result carries error {code, message}` }
  )
).annotations({ identifier: "ServiceOrderResult" })
/** A result. */
export type ServiceOrderResult = typeof ServiceOrderResult.Type

/** The domain the payee signs a delivered result with (the pattern of decision 3). */
export const RESULT_DOMAIN = "orbiplex-service-order-result-v1"

/** How the payee's signature travels in a result's `settlement/refs` (the result schema is closed). */
export const PAYEE_SIGNATURE_PREFIX = "payee-signature:ed25519:"

/** The result as the payee signs it: everything but `settlement/refs`, which carries the signature. */
export const payeeSignedPart = (result: ServiceOrderResult): Readonly<Record<string, unknown>> => {
  const { "settlement/refs": _refs, ...rest } = result
  return rest
}

/** The payee signature a result carries, if any. */
export const payeeSignatureOf = (result: ServiceOrderResult): { readonly alg: "ed25519"; readonly value: string } | undefined => {
  const ref = result["settlement/refs"]?.find((entry) => entry.startsWith(PAYEE_SIGNATURE_PREFIX))
  return ref === undefined ? undefined : { alg: "ed25519", value: ref.slice(PAYEE_SIGNATURE_PREFIX.length) }
}

/** The 200 answer to a delivered result. */
export const ResultAdmission = Schema.Struct({
  request_id: Id,
  admission: Schema.Literal("admitted", "already-present")
}).annotations({ identifier: "ResultAdmission" })
/** The 200 answer to a delivered result. */
export type ResultAdmission = typeof ResultAdmission.Type

/** `GET /v1/peer/service-orders/{request_id}`: where an order stands, and its result once done. */
export const OrderStatus = Schema.Struct({
  request_id: Id,
  status: Schema.Literal("queued", "running", "done"),
  result: Schema.optionalWith(ServiceOrderResult, { exact: true })
}).annotations({ identifier: "OrderStatus" })
/** An order's status. */
export type OrderStatus = typeof OrderStatus.Type

/** The body of every non-2xx answer. */
export const PeerErrorBody = Schema.Struct({ error: Schema.String, message: Schema.String }).annotations({
  identifier: "PeerErrorBody"
})
/** An error body. */
export type PeerErrorBody = typeof PeerErrorBody.Type

/** The routes (SETTLEMENT.md transport table). */
export const ROUTES = {
  catalogFetch: "/v1/peer/offer-catalog/fetch",
  dispatch: "/v1/peer/service-orders",
  results: "/v1/peer/service-orders/results",
  orderStatus: (requestId: string) => `/v1/peer/service-orders/${encodeURIComponent(requestId)}`
} as const
