/**
 * Host procurement and the `procurement.order` capability (docs/modules.md §2.3, §3.6). An order
 * names a provider, a service type, a price and a currency (the template's, always). The host holds
 * it against the catalog offer (provider, service type, expiry, currency, price, queue depth) and
 * refuses a mismatch with a reason naming the field; then it asks the settlement rail for a hold,
 * dispatches the order to that provider's Dator through `service.execute` (that executor only: its
 * `inquirium.request` round trip runs inside the chain) and answers `completed` with the response,
 * or `rejected` with a classifier (an order-level outcome such as `queue-saturated`, which is not an
 * executor failure). A chain that could not run (provider down, timeout, invalid decision) fails
 * the intent instead.
 */
import * as Metrics from "../metrics/Metrics.js"
import { Clock, Context, Effect, Layer, Option } from "effect"
import { isJsonObject, type JsonObject } from "../contract/Json.js"
import { ExecutorChains } from "./ExecutorChains.js"
import { deliveryOf, executeOrder } from "./OrderExecution.js"
import { completedOutcome, OrderFailed, type OrderInput, type OrderOutcome, orderIdOf, type Refusal, rejectedOutcome, termsMismatch } from "./OrderModel.js"
import { type CatalogOffer, OfferCatalog } from "./OfferCatalog.js"
import type { Acceptance } from "./ExchangeConfig.js"
import { OrderAcceptance } from "./OrderAcceptance.js"
import { makeOrderSigning } from "./OrderSigning.js"
import { RemoteOrders } from "./RemoteOrders.js"
import type { ParticipantKeys } from "./ParticipantKeys.js"
import { Settlement, type Unsettled } from "./Settlement.js"

export { EXECUTE_HOOK } from "./OrderExecution.js"
export { OrderCompleted, OrderFailed, OrderInput, OrderOutcome, OrderRejected, orderIdOf, RETRYABLE } from "./OrderModel.js"

/** Per-order choices. */
export interface OrderOptions {
  /** Correlates the provider's chain with the caller (a workflow run id). */
  readonly correlationId?: string
  /** Absolute deadline (Effect Clock, epoch ms) for the whole order. */
  readonly deadline?: number
}

/** The procurement service. */
export class Procurement extends Context.Tag("orbiplex/Procurement")<Procurement, {
  /** Validates, dispatches and settles one order. */
  readonly order: (order: OrderInput, options?: OrderOptions) => Effect.Effect<OrderOutcome, OrderFailed>
  /** Orders of a local executor in progress now. */
  readonly depth: (executorId: string) => Effect.Effect<number>
}>() {}

/** How procurement treats offer terms. */
export interface ProcurementOptions {
  /** `offer-terms`: orders of an offer with auto_accept false await its operator; `automatic`: accepted in advance. */
  readonly acceptance: Acceptance
}

/** Builds procurement over the catalog, the per-executor chains and the settlement rail. */
export const make = (procurementOptions: ProcurementOptions = { acceptance: "offer-terms" }) => Effect.gen(function*() {
  const catalog = yield* OfferCatalog
  const chains = yield* ExecutorChains
  const settlement = yield* Settlement
  const acceptance = yield* OrderAcceptance
  const signing = yield* makeOrderSigning
  const remote = yield* Effect.serviceOption(RemoteOrders)
  const inFlight = new Map<string, number>()

  /** Whether this node's own catalog has the offer (or the provider) the order names. */
  const sellsLocally = (order: OrderInput) =>
    order.offer_id !== undefined
      ? Effect.map(catalog.byId(order.offer_id), Option.isSome)
      : Effect.map(catalog.offersOf(order.provider_id), (offers) => offers.length > 0)

  /** The offer this order is for, or why none fits (the reason names the field). */
  const quote = (order: OrderInput): Effect.Effect<CatalogOffer | Refusal> =>
    Effect.gen(function*() {
      let offer: CatalogOffer
      if (order.offer_id !== undefined) {
        const pinned = yield* catalog.byId(order.offer_id)
        if (Option.isNone(pinned)) {
          return { reason: "offer-not-found", field: "offer_id", message: `no offer ${order.offer_id} in this node's catalog` }
        }
        offer = pinned.value
        if (offer.provider_id !== order.provider_id) {
          return {
            reason: "provider-mismatch",
            field: "provider_id",
            message: `offer ${offer.offer_id} is from ${offer.provider_id}, not ${order.provider_id}`
          }
        }
      } else {
        const offers = yield* catalog.offersOf(order.provider_id)
        if (offers.length === 0) {
          const known = [...new Set((yield* catalog.all).map((o) => o.provider_id))]
          return {
            reason: "offer-not-found",
            field: "provider_id",
            message: `no offer from ${order.provider_id} in this node's catalog (providers with offers: ${known.join(", ") || "none"})`
          }
        }
        const match = offers.find((o) => o.service_type === order.service_type)
        if (match === undefined) {
          return {
            reason: "service-type-mismatch",
            field: "service_type",
            message: `${order.provider_id} offers ${offers.map((o) => o.service_type).join(", ")}, not ${order.service_type}`
          }
        }
        offer = match
      }
      return termsMismatch(order, { ...offer, offeredBy: offer.provider_id, expired: yield* catalog.isExpired(offer) }) ?? offer
    })

  /** Takes a queue slot of the offer's executor, or says it is full (check and take in one step). */
  const enqueue = (offer: CatalogOffer): Effect.Effect<{ readonly depth: number } | Refusal> =>
    Effect.sync(() => {
      const depth = inFlight.get(offer.executor_id) ?? 0
      if (offer.max_depth !== undefined && depth >= offer.max_depth) {
        return {
          reason: "queue-saturated",
          field: "queue.max_depth",
          message: `${offer.provider_id} has ${depth} orders in progress; its offer's queue.max_depth is ${offer.max_depth}`
        }
      }
      inFlight.set(offer.executor_id, depth + 1)
      return { depth }
    })
  const dequeue = (executorId: string) =>
    Effect.sync(() => inFlight.set(executorId, Math.max(0, (inFlight.get(executorId) ?? 1) - 1)))

  const place = Effect.fn("Procurement.order")(function*(order: OrderInput, options: OrderOptions = {}) {
    const orderId = orderIdOf(order)
    const rejected = (refusal: Refusal, settled?: JsonObject) => rejectedOutcome(orderId, refusal, settled)
    // Local offers first (SETTLEMENT.md §5); what this node does not sell may come from a peer.
    if (Option.isSome(remote) && !(yield* sellsLocally(order)) && (yield* remote.value.serves(order))) {
      return yield* remote.value.place(order, orderId, options)
    }
    const quoted = yield* quote(order)
    if (!("offer_id" in quoted)) return rejected(quoted)
    const offer = quoted
    const signedUp = yield* signing.sign(offer, order, orderId, yield* Effect.sync(() => inFlight.get(offer.executor_id) ?? 0)).pipe(
      Effect.mapError((error) => new OrderFailed({ order_id: orderId, provider_id: offer.provider_id, reason: error.message }))
    )
    if (!("offer" in signedUp)) return rejected(signedUp)
    const { buyerId, providerParticipantId, terms, units } = signedUp
    if (order.buyer_id !== undefined && order.buyer_id !== buyerId) {
      return rejected({ reason: "custodian-mismatch", field: "buyer_id", message: `this node orders as ${buyerId}, its custodian; it cannot sign for ${order.buyer_id}` })
    }
    const total = units * offer.amount
    if (total > order.price) {
      return rejected({
        reason: "price-exceeded",
        field: "price",
        message: `${units} unit(s) × ${offer.amount} (offer ${offer.offer_id} of ${offer.provider_id}, per ${terms.unitLabel}) = ${total} ` +
          `${order.currency} minor units, above the order's maximum ${order.price}`
      })
    }
    const slot = yield* enqueue(offer)
    if (!("depth" in slot)) return rejected(slot)
    return yield* Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const offerDeadline = now + terms.maxDurationSec * 1_000
      const workBy = options.deadline === undefined || !Number.isFinite(options.deadline) ? offerDeadline : Math.min(offerDeadline, options.deadline)
      const outputFormat = offer.document["constraints"]
      const hold = yield* Effect.either(settlement.hold({
        order_id: orderId,
        offer_id: offer.offer_id,
        offer_seq: offer.sequence,
        provider_id: offer.provider_id,
        provider_participant_id: providerParticipantId,
        buyer_id: buyerId,
        node_id: catalog.nodeId,
        amount: total,
        currency: order.currency,
        work_by_ms: workBy,
        answer_format: isJsonObject(outputFormat) && isJsonObject(outputFormat["output"]) && typeof outputFormat["output"]["format"] === "string"
          ? outputFormat["output"]["format"]
          : "mixed"
      }))
      if (hold._tag === "Left") {
        if (hold.left._tag === "SettlementFailed") return yield* new OrderFailed({ order_id: orderId, provider_id: offer.provider_id, reason: hold.left.message })
        return rejected({ reason: "settlement-blocked", field: "price", message: hold.left.message })
      }
      const held = hold.right
      const refund = (why: Unsettled) =>
        settlement.release(held, why).pipe(Effect.mapError((error) => new OrderFailed({ order_id: orderId, provider_id: offer.provider_id, reason: error.message })))
      const failed = (reason: string) =>
        Effect.zipRight(refund({ outcome: "canceled", reason }), Effect.fail(new OrderFailed({ order_id: orderId, provider_id: offer.provider_id, reason })))
      if (!terms.autoAccept && procurementOptions.acceptance === "offer-terms") {
        const decision = yield* acceptance.await({
          order_id: orderId, provider_id: offer.provider_id, offer_id: offer.offer_id, service_type: offer.service_type, amount: total, currency: order.currency
        }, workBy)
        if (decision._tag !== "Accepted") {
          const refusal: Refusal = decision._tag === "Refused"
            ? { reason: "order-refused", field: "queue.auto_accept", message: `the operator of ${offer.provider_id} refused the order: ${decision.reason}` }
            : { reason: "acceptance-expired", field: "queue.auto_accept", message: `the operator of ${offer.provider_id} did not accept the order by ${new Date(workBy).toISOString()}` }
          return rejected(refusal, yield* refund({ outcome: decision._tag === "Refused" ? "rejected" : "expired", reason: refusal.reason }))
        }
      }
      const started = yield* Clock.currentTimeMillis
      const execution = yield* executeOrder({
        executorId: offer.executor_id,
        order: {
          order_id: orderId,
          offer_id: offer.offer_id,
          service_type: order.service_type,
          price: total,
          units,
          currency: order.currency,
          buyer_id: buyerId,
          ...(order.run_id === undefined ? {} : { run_id: order.run_id })
        },
        input: order.input,
        depth: slot.depth,
        ...(offer.max_depth === undefined ? {} : { maxDepth: offer.max_depth }),
        correlationId: options.correlationId ?? orderId,
        budgetMs: workBy - started
      }).pipe(Effect.provideService(ExecutorChains, chains))
      if (execution._tag === "Rejected") {
        const refunded = yield* refund({ outcome: "rejected", reason: execution.reason })
        return rejected({ reason: execution.reason, field: "provider", message: execution.message }, refunded)
      }
      if (execution._tag === "Failed") return yield* failed(execution.reason)
      const response = execution.response
      const settled = yield* settlement.capture(held, deliveryOf(response)).pipe(Effect.mapError((error) => new OrderFailed({ order_id: orderId, provider_id: offer.provider_id, reason: error.message })))
      return completedOutcome({
        orderId,
        offerId: offer.offer_id,
        providerId: offer.provider_id,
        serviceType: offer.service_type,
        total,
        units,
        currency: order.currency,
        response,
        sourceNodeId: catalog.nodeId,
        sourceParticipantId: providerParticipantId,
        createdAt: new Date(yield* Clock.currentTimeMillis).toISOString(),
        settlement: settled
      })
    }).pipe(Effect.ensuring(dequeue(offer.executor_id)))
  }, (effect, order) =>
    Effect.tap(effect, (outcome) =>
      Effect.zipLeft(Metrics.recordOrder(outcome.outcome), Effect.logDebug(
        `order ${outcome.order_id} ${order.provider_id} ${order.service_type} ${order.price} ${order.currency}: ${outcome.outcome}` +
          (outcome.outcome === "rejected" ? ` (${outcome.reason}: ${outcome.message})` : "")
      ))))

  return Procurement.of({
    order: place,
    depth: (executorId) => Effect.sync(() => inFlight.get(executorId) ?? 0)
  })
})

/** Procurement as a layer. */
export const layerWith = (
  options: ProcurementOptions
): Layer.Layer<Procurement, never, OfferCatalog | ExecutorChains | Settlement | ParticipantKeys | OrderAcceptance> =>
  Layer.effect(Procurement, make(options))

/** Procurement that honours offer terms (orders of an offer with auto_accept false await its operator). */
export const layer = layerWith({ acceptance: "offer-terms" })
