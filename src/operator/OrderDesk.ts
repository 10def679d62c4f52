/**
 * The orders an operator sees and decides on: placed orders, and accept / refuse of the ones that
 * await acceptance. The paid-orders work binds the real desk over Procurement's acceptance queue;
 * `layerProcurement` is the reference over what Procurement offers today (placing runs the order
 * at once, so nothing ever awaits a decision).
 */
import { Context, Effect, Layer, Option, Ref, Schema } from "effect"
import { JsonObject } from "../contract/Json.js"
import { OrderInput, OrderOutcome, Procurement } from "../exchange/Procurement.js"

/** An order as the desk lists it. */
export const OrderEntry = Schema.Struct({
  order_id: Schema.String,
  status: Schema.Literal("pending", "completed", "rejected", "accepted", "refused", "failed"),
  provider_id: Schema.String,
  service_type: Schema.String,
  price: Schema.Int,
  currency: Schema.String,
  detail: Schema.optionalWith(JsonObject, { exact: true })
}).annotations({ identifier: "OrderEntry" })
/** An order as the desk lists it. */
export type OrderEntry = typeof OrderEntry.Type

/** Why the desk could not do what was asked. */
export class OrderDeskError extends Schema.TaggedError<OrderDeskError>()("OrderDeskError", {
  order_id: Schema.String,
  kind: Schema.Literal("unknown", "failed"),
  reason: Schema.String
}) {
  override get message(): string {
    return `order ${this.order_id}: ${this.reason}`
  }
}

/** The operator's desk of orders. */
export class OrderDesk extends Context.Tag("orbiplex/OrderDesk")<OrderDesk, {
  readonly list: Effect.Effect<ReadonlyArray<OrderEntry>>
  readonly place: (order: OrderInput) => Effect.Effect<OrderOutcome, OrderDeskError>
  readonly accept: (orderId: string) => Effect.Effect<OrderEntry, OrderDeskError>
  readonly refuse: (orderId: string, reason: Option.Option<string>) => Effect.Effect<OrderEntry, OrderDeskError>
}>() {}

const entryOf = (order: OrderInput, outcome: OrderOutcome): OrderEntry => ({
  order_id: outcome.order_id,
  status: outcome.outcome,
  provider_id: order.provider_id,
  service_type: order.service_type,
  price: order.price,
  currency: order.currency,
  ...(outcome.outcome === "rejected" ? { detail: { reason: outcome.reason, message: outcome.message } } : {})
})

/** The reference desk over Procurement: orders placed through it are listed; none awaits acceptance. */
export const makeProcurement = Effect.gen(function*() {
  const procurement = yield* Procurement
  const placed = yield* Ref.make<ReadonlyArray<OrderEntry>>([])
  const none = (orderId: string) =>
    Effect.flatMap(Ref.get(placed), (entries) =>
      new OrderDeskError({
        order_id: orderId,
        kind: "unknown",
        reason: entries.some((entry) => entry.order_id === orderId)
          ? "it ran when it was placed; only orders awaiting acceptance can be accepted or refused"
          : "no such order awaits acceptance on this node; list them with `orbiplex order list`"
      }))
  return OrderDesk.of({
    list: Ref.get(placed),
    place: (order) =>
      procurement.order(order).pipe(
        Effect.tap((outcome) => Ref.update(placed, (entries) => [...entries, entryOf(order, outcome)])),
        Effect.mapError((error) => new OrderDeskError({ order_id: "(new)", kind: "failed", reason: error.message }))
      ),
    accept: none,
    refuse: (orderId) => none(orderId)
  })
})

/** The reference desk as a layer. */
export const layerProcurement: Layer.Layer<OrderDesk, never, Procurement> = Layer.effect(OrderDesk, makeProcurement)
