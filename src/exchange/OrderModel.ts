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

