/**
 * Offer terms (issue 10 item 5): an offer with `queue/auto-accept: false` puts its orders in
 * `awaiting-acceptance` until the provider's operator accepts or refuses them, or their accept-by
 * passes (on the host's clock). The work API exposes `accept`, `refuse` and `pending`; procurement
 * waits on `await`.
 */
import { Clock, Context, Deferred, Duration, Effect, Layer, PubSub, type Queue, Ref, Schema, type Scope } from "effect"

/** An order waiting for its provider's operator. */
export interface PendingOrder {
  readonly order_id: string
  readonly provider_id: string
  readonly offer_id: string
  readonly service_type: string
  readonly amount: number
  readonly currency: string
  /** ISO time by which the operator must decide. */
  readonly accept_by: string
}

/** How a wait ended. */
export type Decision =
  | { readonly _tag: "Accepted" }
  | { readonly _tag: "Refused"; readonly reason: string }
  | { readonly _tag: "Expired" }

/** No order of that id is awaiting acceptance. */
export class NotAwaiting extends Schema.TaggedError<NotAwaiting>()("NotAwaiting", { order_id: Schema.String }) {
  override get message(): string {
    return `order ${this.order_id} is not awaiting acceptance (it was decided, expired, or never needed it): list pending orders first`
  }
}

/** The acceptance queue. */
export class OrderAcceptance extends Context.Tag("orbiplex/OrderAcceptance")<OrderAcceptance, {
  /** Waits (until `acceptByMs`, epoch ms) for the operator's decision on `order`. */
  readonly await: (order: Omit<PendingOrder, "accept_by">, acceptByMs: number) => Effect.Effect<Decision>
  readonly accept: (orderId: string) => Effect.Effect<void, NotAwaiting>
  readonly refuse: (orderId: string, reason: string) => Effect.Effect<void, NotAwaiting>
  /** Orders awaiting acceptance now, oldest first. */
  readonly pending: Effect.Effect<ReadonlyArray<PendingOrder>>
  /** Every order that starts waiting from now on (an operator front or a test reacts to them). */
  readonly subscribe: Effect.Effect<Queue.Dequeue<PendingOrder>, never, Scope.Scope>
}>() {}

interface Waiting {
  readonly order: PendingOrder
  readonly decision: Deferred.Deferred<Decision>
}

/** An empty queue. */
export const make = Effect.gen(function*() {
  const waiting = yield* Ref.make(new Map<string, Waiting>())
  const arrivals = yield* PubSub.unbounded<PendingOrder>()

  const decide = (orderId: string, decision: Decision) =>
    Effect.flatMap(Ref.modify(waiting, (map) => {
      const entry = map.get(orderId)
      const next = new Map(map)
      next.delete(orderId)
      return [entry, next]
    }), (entry) => entry === undefined ? Effect.fail(new NotAwaiting({ order_id: orderId })) : Deferred.succeed(entry.decision, decision))

  const wait = (order: Omit<PendingOrder, "accept_by">, acceptByMs: number) =>
    Effect.gen(function*() {
      const decision = yield* Deferred.make<Decision>()
      const entry: Waiting = { order: { ...order, accept_by: new Date(acceptByMs).toISOString() }, decision }
      yield* Ref.update(waiting, (map) => new Map(map).set(order.order_id, entry))
      yield* PubSub.publish(arrivals, entry.order)
      const now = yield* Clock.currentTimeMillis
      const expire = Effect.as(Effect.sleep(Duration.millis(Math.max(0, acceptByMs - now))), { _tag: "Expired" } satisfies Decision)
      return yield* Effect.race(Deferred.await(decision), expire).pipe(
        Effect.ensuring(Ref.update(waiting, (map) => {
          if (map.get(order.order_id) !== entry) return map
          const next = new Map(map)
          next.delete(order.order_id)
          return next
        }))
      )
    })

  return OrderAcceptance.of({
    await: wait,
    accept: (orderId) => decide(orderId, { _tag: "Accepted" }),
    refuse: (orderId, reason) => decide(orderId, { _tag: "Refused", reason }),
    pending: Effect.map(Ref.get(waiting), (map) => [...map.values()].map((entry) => entry.order)),
    subscribe: PubSub.subscribe(arrivals)
  })
})

/** The queue as a layer. */
export const layer: Layer.Layer<OrderAcceptance> = Layer.effect(OrderAcceptance, make)
