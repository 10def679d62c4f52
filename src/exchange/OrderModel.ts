/**
 * What an order is and how it ends, as `procurement.order` takes and answers it: the intent's
 * input, the completed and rejected outcomes, the failure, the deterministic order id (decision 5)
 * and the reasons an unchanged order may succeed with later. Local and remote orders share them.
 */
import { randomUUID } from "node:crypto"
import { Schema } from "effect"
import { Json, JsonObject } from "../contract/Json.js"

const optional = <S extends Schema.Schema.All>(schema: S) => Schema.optionalWith(schema, { exact: true })

/** What `procurement.order` takes (Arca sends exactly these keys). */
export const OrderInput = Schema.Struct({
  run_id: optional(Schema.NonEmptyTrimmedString),
  phase_id: optional(Schema.String),
  step_id: optional(Schema.NonEmptyTrimmedString),
  attempt: optional(Schema.Int.pipe(Schema.positive())),
  provider_id: Schema.NonEmptyTrimmedString,
  service_type: Schema.NonEmptyTrimmedString,
  price: Schema.NonNegativeInt.annotations({ description: "the most the whole order may cost, integer minor units (1000 = 10.00)" }),
  currency: Schema.NonEmptyTrimmedString,
  offer_id: optional(Schema.NonEmptyTrimmedString),
  /** The offer sequence the buyer read; another one now is `offer-seq-mismatch`. */
  offer_seq: optional(Schema.Int.pipe(Schema.positive())),
  /** Units ordered (decision 4; default 1); per-character offers charge the measured blocks instead. */
  units: optional(Schema.Int.pipe(Schema.positive())),
  /** The buyer participant the order is placed for; another than this node's custodian is `custodian-mismatch`. */
  buyer_id: optional(Schema.NonEmptyTrimmedString),
  input: Json
})
/** An order. */
export type OrderInput = typeof OrderInput.Type

/** The order ran: `response` is the provider's final `payload.response` plus the host's fields. */
export const OrderCompleted = Schema.Struct({
  outcome: Schema.Literal("completed"),
  order_id: Schema.String,
  offer_id: Schema.String,
  provider_id: Schema.String,
  service_type: Schema.String,
  price: Schema.Int,
  units: Schema.Int,
  currency: Schema.String,
  response: JsonObject,
  settlement: JsonObject
})

/** An order-level refusal: `reason` classifies it, `message` says it for people, `field` names what did not match. */
export const OrderRejected = Schema.Struct({
  outcome: Schema.Literal("rejected"),
  order_id: Schema.String,
  reason: Schema.String,
  message: Schema.String,
  field: optional(Schema.String),
  /** Whether the same order may succeed later unchanged (Arca reads this, never the text). */
  retryable: Schema.Boolean,
  settlement: optional(JsonObject)
})

/** What `procurement.order` answers. */
export const OrderOutcome = Schema.Union(OrderCompleted, OrderRejected)
/** What `procurement.order` answers. */
export type OrderOutcome = typeof OrderOutcome.Type

/** The order could not be carried out (provider down, chain failure); nothing was delivered. */
export class OrderFailed extends Schema.TaggedError<OrderFailed>()("OrderFailed", {
  order_id: Schema.String,
  provider_id: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `order ${this.order_id} to ${this.provider_id} could not be carried out: ${this.reason}`
  }
}

const idSafe = (text: string) => text.replace(/[^A-Za-z0-9-]/g, "-")

/** The order id (decision 5): `order:<run>:<step>:<attempt>`, other characters mapped to `-`. */
export const orderIdOf = (order: OrderInput): string =>
  order.run_id !== undefined && order.step_id !== undefined && order.attempt !== undefined
    ? `order:${idSafe(order.run_id)}:${idSafe(order.step_id)}:${order.attempt}`
    : `order:${randomUUID()}`

/** Reasons an unchanged order may succeed with later (a full queue, a stale offer read, an operator's silence). */
export const RETRYABLE: ReadonlySet<string> = new Set(["queue-saturated", "offer-expired", "offer-seq-mismatch", "acceptance-expired"])

/** Why an order is refused before anything is held: the reason code, the field, the text. */
export type Refusal = { readonly reason: string; readonly field: string; readonly message: string }


/** A refusal as `procurement.order` answers it, with the refund record when a hold was given back. */
export const rejectedOutcome = (orderId: string, refusal: Refusal, settled?: JsonObject): OrderOutcome => ({
  outcome: "rejected",
  order_id: orderId,
  ...refusal,
  retryable: RETRYABLE.has(refusal.reason),
  ...(settled === undefined ? {} : { settlement: settled })
})

/** What a completed order answers beyond the provider's response. */
export interface Completion {
  readonly orderId: string
  readonly offerId: string
  readonly providerId: string
  readonly serviceType: string
  readonly total: number
  readonly units: number
  readonly currency: string
  readonly response: JsonObject
  /** Who produced the response (this node and its provider, or the seller node). */
  readonly sourceNodeId: string
  readonly sourceParticipantId: string
  readonly createdAt: string
  readonly settlement: JsonObject
}

/** A completed order: the provider's response with the host's fields (its id and provenance). */
export const completedOutcome = (done: Completion): OrderOutcome => ({
  outcome: "completed",
  order_id: done.orderId,
  offer_id: done.offerId,
  provider_id: done.providerId,
  service_type: done.serviceType,
  price: done.total,
  units: done.units,
  currency: done.currency,
  response: {
    ...done.response,
    response_id: `response:${done.orderId.replace(/^order:/, "")}`,
    source_node_id: done.sourceNodeId,
    source_participant_id: done.sourceParticipantId,
    created_at: done.createdAt
  },
  settlement: done.settlement
})

/** The terms of an offer an order is checked against, local or remote alike. */
export interface OfferFacts {
  readonly offer_id: string
  readonly service_type: string
  readonly currency: string
  readonly sequence: number
  readonly expires_at_ms: number
  /** Who offers it, as the refusal names it (a provider id or a node id). */
  readonly offeredBy: string
  readonly expired: boolean
}

/** The first term `order` does not meet of `offer` (service type, expiry, currency, sequence), if any. */
export const termsMismatch = (order: OrderInput, offer: OfferFacts): Refusal | undefined =>
  offer.service_type !== order.service_type
    ? { reason: "service-type-mismatch", field: "service_type", message: `offer ${offer.offer_id} is for ${offer.service_type}, not ${order.service_type}` }
    : offer.expired
    ? { reason: "offer-expired", field: "offer_id", message: `offer ${offer.offer_id} of ${offer.offeredBy} expired at ${new Date(offer.expires_at_ms).toISOString()}` }
    : offer.currency !== order.currency
    ? { reason: "currency-mismatch", field: "currency", message: `the order pays in ${order.currency} but offer ${offer.offer_id} is priced in ${offer.currency}` }
    : order.offer_seq !== undefined && order.offer_seq !== offer.sequence
    ? {
      reason: "offer-seq-mismatch",
      field: "offer_seq",
      message: `the order was placed against sequence ${order.offer_seq} of ${offer.offer_id}; it is at ${offer.sequence} now: re-read the offer`
    }
    : undefined
