/**
 * The orders an operator sees and decides on: placed orders, and accept / refuse of the ones that
 * await acceptance (an offer with `auto_accept: false`). `layer` is the node's desk, over Procurement
 * and its acceptance queue; `layerProcurement` places and lists only (nothing awaits a decision).
 */
import { Context, Effect, Layer, Option, Ref, Schema } from "effect"
import { OrderAcceptance, type PendingOrder } from "../exchange/OrderAcceptance.js"
import { OrderInput, OrderOutcome, Procurement } from "../exchange/Procurement.js"
import { OrderEntry } from "./OrderEntry.js"

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

const pendingEntry = (order: PendingOrder, status: OrderEntry["status"]): OrderEntry => ({
  order_id: order.order_id,
  status,
  provider_id: order.provider_id,
  service_type: order.service_type,
  price: order.amount,
  currency: order.currency,
  detail: { offer_id: order.offer_id, accept_by: order.accept_by }
})

/** The node's desk: placing and listing as the reference does, deciding through the acceptance queue. */
export const make = Effect.gen(function*() {
  const placing = yield* makeProcurement
  const acceptance = yield* OrderAcceptance
  const decide = (orderId: string, status: "accepted" | "refused", apply: Effect.Effect<void, unknown>) =>
    Effect.gen(function*() {
      const waiting = (yield* acceptance.pending).find((order) => order.order_id === orderId)
      if (waiting === undefined) {
        return yield* new OrderDeskError({
          order_id: orderId,
          kind: "unknown",
          reason: "no such order awaits acceptance on this node; list them with `orbiplex order list`"
        })
      }
      yield* Effect.mapError(apply, () =>
        new OrderDeskError({ order_id: orderId, kind: "unknown", reason: "it was decided or expired a moment ago" }))
      return pendingEntry(waiting, status)
    })
  return OrderDesk.of({
    list: Effect.zipWith(placing.list, acceptance.pending, (placed, pending) => [
      ...pending.map((order) => pendingEntry(order, "pending")),
      ...placed
    ]),
    place: placing.place,
    accept: (orderId) => decide(orderId, "accepted", acceptance.accept(orderId)),
    refuse: (orderId, reason) =>
      decide(orderId, "refused", acceptance.refuse(orderId, Option.getOrElse(reason, () => "refused by the operator")))
  })
})

/** The node's desk as a layer. */
export const layer: Layer.Layer<OrderDesk, never, Procurement | OrderAcceptance> = Layer.effect(OrderDesk, make)
