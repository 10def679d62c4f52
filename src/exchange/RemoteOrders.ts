/**
 * Orders for offers of other nodes (SETTLEMENT.md §3, buyer node B → seller node S): B finds the
 * admitted remote offer (by id, by a `procurement.providers` alias or by the provider participant
 * id), checks it as it checks its own, holds the total on its ledger, signs `service-order.v1` as its
 * buyer participant and dispatches it to S. The result comes back by delivery to B's inbox or, when a
 * delivery is lost, by polling S; it is admitted, settled (release) and answered. A refusal by S, a
 * failed dispatch and a result missing at work-by each refund the hold, so nothing is paid twice.
 */
import { Clock, Context, Duration, Effect, Either, Layer, Option, Schedule } from "effect"
import { isJsonObject, type JsonObject } from "../contract/Json.js"
import type { ProviderRoute } from "./ExchangeConfig.js"
import { verifyOffer } from "./MarketArtifacts.js"
import { deliveryOf } from "./OrderExecution.js"
import { completedOutcome, OrderFailed, type OrderInput, type OrderOutcome, type Refusal, rejectedOutcome, termsMismatch } from "./OrderModel.js"
import { signOrderDocument } from "./OrderSigning.js"
import { BUYER, ParticipantKeys } from "./ParticipantKeys.js"
import { BuyerInbox } from "./peer/BuyerInbox.js"
import { CatalogSync } from "./peer/CatalogSync.js"
import { PeerClient } from "./peer/PeerClient.js"
import { PeerKey } from "./peer/PeerKey.js"
import { type DispatchRequest, payeeSignatureOf, ROUTES, type ServiceOrderResult } from "./peer/PeerMessages.js"
import { type RemoteOffer, RemoteCatalog } from "./peer/RemoteCatalog.js"
import { pollSchedule, recoverResult } from "./peer/ResultRecovery.js"
import { ResultInbox } from "./peer/ResultInbox.js"
import { Settlement, type SettlementHold, type Unsettled } from "./Settlement.js"

/** How this node orders from its peers. */
export interface RemoteOrderSettings {
  /** Template aliases served by other nodes (`procurement.providers`). */
  readonly providers: Readonly<Record<string, ProviderRoute>>
  /** This node's peer API base URL, where sellers deliver results. */
  readonly publicUrl: string
  /** How a lost delivery is polled for; the default grows from 1 s to 30 s. */
  readonly poll?: Schedule.Schedule<unknown>
}

/** Per-order choices (as procurement's). */
export interface RemoteOrderOptions {
  readonly correlationId?: string
  readonly deadline?: number
}

/** Orders to other nodes. */
export class RemoteOrders extends Context.Tag("orbiplex/RemoteOrders")<RemoteOrders, {
  /** Whether an order names something other nodes offer (an alias, an offer id or a participant held here). */
  readonly serves: (order: OrderInput) => Effect.Effect<boolean>
  /** Checks, holds, dispatches and settles one order to another node. */
  readonly place: (order: OrderInput, orderId: string, options?: RemoteOrderOptions) => Effect.Effect<OrderOutcome, OrderFailed>
}>() {}

/** How an unreachable seller is asked again: from 500 ms, doubling, at most every 10 s, jittered. */
export const redispatchSchedule: Schedule.Schedule<unknown> = Schedule.exponential(Duration.millis(500), 2).pipe(
  Schedule.union(Schedule.spaced(Duration.seconds(10))),
  Schedule.jittered
)

/** The request id of an order's dispatch: one per order id, so a re-proposed order gets S's first answer. */
export const requestIdOf = (orderId: string): string => `request:${orderId.replace(/^order:/, "")}`

const trusted = (offers: ReadonlyArray<RemoteOffer>) => offers.filter((offer) => offer.trust !== "untrusted")

/** Builds remote ordering over the peer transport and the settlement rail. */
export const make = (settings: RemoteOrderSettings) =>
  Effect.gen(function*() {
    const catalog = yield* RemoteCatalog
    const sync = yield* CatalogSync
    const client = yield* PeerClient
    const inbox = yield* BuyerInbox
    const keys = yield* ParticipantKeys
    const settlement = yield* Settlement
    const nodeId = (yield* PeerKey).nodeId
    const replyTarget = `${settings.publicUrl.replace(/\/+$/, "")}${ROUTES.results}`
    const context = Context.make(PeerClient, client).pipe(Context.add(ResultInbox, inbox.inbox))

    /** Offers the order's provider name covers: an alias's node (and participant), else that participant. */
    const ofProvider = (providerId: string, offers: ReadonlyArray<RemoteOffer>) => {
      const route = settings.providers[providerId]
      return route === undefined
        ? offers.filter((offer) => offer.provider_participant_id === providerId)
        : offers.filter((offer) =>
          offer.provider_node_id === route.node_id && (route.participant_id === undefined || offer.provider_participant_id === route.participant_id)
        )
    }

    const serves = (order: OrderInput) =>
      Effect.gen(function*() {
        if (order.offer_id !== undefined) return Option.isSome(yield* catalog.resolve(order.offer_id))
        return settings.providers[order.provider_id] !== undefined || ofProvider(order.provider_id, trusted(yield* catalog.all)).length > 0
      })

    /** The remote offer this order is for, or why none fits. */
    const quote = (order: OrderInput): Effect.Effect<RemoteOffer | Refusal> =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        let offer: RemoteOffer
        if (order.offer_id !== undefined) {
          const pinned = yield* catalog.resolve(order.offer_id)
          if (Option.isNone(pinned)) return { reason: "offer-not-found", field: "offer_id", message: `no trusted offer ${order.offer_id} from this node's peers` }
          offer = pinned.value
        } else {
          const route = settings.providers[order.provider_id]
          const held = ofProvider(order.provider_id, trusted(yield* catalog.all))
          // A routed peer whose catalog is not held yet (its pull at start failed, or is still running) is pulled now.
          const offers = held.length > 0 || route === undefined
            ? held
            : yield* Effect.zipRight(sync.syncPeer(route.node_id), Effect.map(catalog.all, (all) => ofProvider(order.provider_id, trusted(all))))
          if (offers.length === 0) {
            return {
              reason: "offer-not-found",
              field: "provider_id",
              message: route === undefined
                ? `no trusted offer from ${order.provider_id} among this node's peers' catalogs`
                : `${order.provider_id} is served by ${route.node_id}, whose catalog holds no trusted offer${route.participant_id === undefined ? "" : ` of ${route.participant_id}`} now (was it fetched? is the peer up?)`
            }
          }
          const matching = offers.filter((candidate) => candidate.service_type === order.service_type)
          const [first, second] = matching
          if (first === undefined) {
            return { reason: "service-type-mismatch", field: "service_type", message: `${order.provider_id} offers ${[...new Set(offers.map((o) => o.service_type))].join(", ")}, not ${order.service_type}` }
          }
          if (second !== undefined && second.provider_participant_id !== first.provider_participant_id) {
            return {
              reason: "provider-ambiguous",
              field: "provider_id",
              message: `${order.provider_id} names several providers of ${order.service_type} (${matching.map((o) => o.provider_participant_id).join(", ")}); pin one with "participant_id" in procurement.providers`
            }
          }
          offer = first
        }
        return termsMismatch(order, { ...offer, offeredBy: offer.provider_node_id, expired: offer.expires_at_ms <= now }) ?? offer
      })

    /** The result of a dispatched request: delivered, or recovered by polling S, or none by `deadline`. */
    const resultBy = (offer: RemoteOffer, requestId: string, deadline: number) =>
      Effect.gen(function*() {
        const delivered = inbox.awaitResult(requestId)
        // Polling admits through the same inbox, so a delivery that arrives meanwhile reads as
        // already-present. A seller that cannot be reached (restarting) is polled again; a refused or
        // conflicting result ends polling, and only a delivery can still answer.
        const polled = recoverResult(offer.provider_node_id, requestId, settings.poll ?? pollSchedule).pipe(
          Effect.provide(context),
          Effect.tapError((error) => Effect.logDebug(`polling ${offer.provider_node_id} for ${requestId}: ${error.message}`)),
          Effect.retry({ schedule: settings.poll ?? pollSchedule, while: (error) => error._tag === "PeerUnreachable" }),
          Effect.zipRight(delivered),
          Effect.orElse(() => Effect.never)
        )
        const left = deadline - (yield* Clock.currentTimeMillis)
        return yield* Effect.race(delivered, polled).pipe(Effect.timeoutOption(Duration.millis(Math.max(0, left))))
      })

    const place = Effect.fn("RemoteOrders.place")(function*(order: OrderInput, orderId: string, options: RemoteOrderOptions = {}) {
      const rejected = (refusal: Refusal, settled?: JsonObject) => rejectedOutcome(orderId, refusal, settled)
      const quoted = yield* quote(order)
      if (!("offer_id" in quoted)) return rejected(quoted)
      const offer = quoted
      const now = yield* Clock.currentTimeMillis
      const verified = verifyOffer(offer.document, { now })
      if (Either.isLeft(verified)) return rejected({ reason: verified.left.reason, field: "offer_id", message: verified.left.message })
      const document = verified.right
      const units = order.units ?? 1
      const total = units * offer.amount
      if (total > order.price) {
        return rejected({
          reason: "price-exceeded",
          field: "price",
          message: `${units} unit(s) × ${offer.amount} (offer ${offer.offer_id} of ${offer.provider_node_id}, per ${document["pricing/unit"]}) = ${total} ${order.currency} minor units, above the order's maximum ${order.price}`
        })
      }
      const fail = (reason: string) => new OrderFailed({ order_id: orderId, provider_id: order.provider_id, reason })
      const buyerId = yield* keys.idOf(BUYER).pipe(Effect.mapError((error) => fail(error.message)))
      const offerDeadline = now + document["delivery/max-duration-sec"] * 1_000
      const workBy = options.deadline === undefined || !Number.isFinite(options.deadline) ? offerDeadline : Math.min(offerDeadline, options.deadline)
      const output = document["constraints/output"]
      const hold = yield* Effect.either(settlement.hold({
        order_id: orderId,
        offer_id: offer.offer_id,
        offer_seq: offer.sequence,
        provider_id: order.provider_id,
        provider_participant_id: offer.provider_participant_id,
        buyer_id: buyerId,
        node_id: nodeId,
        provider_node_id: offer.provider_node_id,
        amount: total,
        currency: order.currency,
        work_by_ms: workBy,
        answer_format: isJsonObject(output) && typeof output["format"] === "string" ? output["format"] : "mixed"
      }))
      if (hold._tag === "Left") {
        if (hold.left._tag === "SettlementFailed") return yield* fail(hold.left.message)
        return rejected({ reason: "settlement-blocked", field: "price", message: hold.left.message })
      }
      const held: SettlementHold = hold.right
      // The hold's work-by: this order's, or its first placement's when the node restarted mid-order.
      const due = held.work_by_ms
      const refund = (why: Unsettled) => settlement.release(held, why).pipe(Effect.mapError((error) => fail(error.message)))
      const failed = (reason: string) => Effect.zipRight(refund({ outcome: "canceled", reason }), Effect.fail(fail(reason)))

      const signedOrder = yield* signOrderDocument(keys, {
        orderId, now, buyerNodeId: nodeId, buyerId, providerNodeId: offer.provider_node_id, providerParticipantId: offer.provider_participant_id,
        offerId: offer.offer_id, offerSeq: offer.sequence, serviceType: offer.service_type, units, request: order
      }).pipe(Effect.mapError((error) => fail(error.message)))
      const requestId = requestIdOf(orderId)
      const correlationId = options.correlationId ?? orderId
      yield* inbox.expect(requestId, {
        provider_node_id: offer.provider_node_id,
        provider_participant_id: offer.provider_participant_id,
        service_type: offer.service_type,
        correlation_id: correlationId
      })
      const dispatch: DispatchRequest = {
        request_id: requestId,
        order: signedOrder,
        "correlation/id": correlationId,
        "reply/target": replyTarget,
        delivery_deadline: new Date(due).toISOString(),
        ...(order.run_id === undefined ? {} : { "workflow/run-id": order.run_id }),
        ...(order.step_id === undefined ? {} : { "workflow/step-id": order.step_id }),
        ...(order.attempt === undefined ? {} : { "workflow/attempt": order.attempt })
      }
      // An unreachable seller is asked again (the same request id: it keeps its first answer) until
      // work-by, so a seller that restarts takes the order instead of the step failing at once.
      const reachable = yield* client.dispatch(offer.provider_node_id, dispatch).pipe(
        Effect.retry({ schedule: redispatchSchedule, while: (error) => error._tag === "PeerUnreachable" }),
        Effect.timeoutOption(Duration.millis(Math.max(0, due - (yield* Clock.currentTimeMillis)))),
        Effect.either
      )
      if (reachable._tag === "Right" && Option.isNone(reachable.right)) {
        yield* refund({ outcome: "expired", reason: "seller-unreachable" })
        return yield* fail(`${offer.provider_node_id} could not be reached until work-by ${new Date(due).toISOString()}; the hold was refunded`)
      }
      if (reachable._tag === "Left") {
        const error = reachable.left
        if (error._tag === "PeerRefused" && error.status === 422) {
          return rejected({ reason: error.error, field: "provider", message: `${offer.provider_node_id} refused the order: ${error.reason}` }, yield* refund({ outcome: "rejected", reason: error.error }))
        }
        return yield* failed(`dispatch to ${offer.provider_node_id} failed: ${error.message}`)
      }
      const result = yield* resultBy(offer, requestId, due)
      if (Option.isNone(result)) {
        const reason = `no result from ${offer.provider_node_id} by work-by ${new Date(due).toISOString()}; the hold was refunded`
        yield* refund({ outcome: "expired", reason: "work-by-passed" })
        return yield* fail(reason)
      }
      return yield* settle(result.value)

      function settle(answer: ServiceOrderResult): Effect.Effect<OrderOutcome, OrderFailed> {
        return Effect.gen(function*() {
          if (answer.status === "rejected") {
            const code = answer.error?.code ?? "other-reason"
            return rejected({ reason: code, field: "provider", message: answer.error?.message ?? `${offer.provider_node_id} rejected the order` }, yield* refund({ outcome: "rejected", reason: code }))
          }
          const response = answer.output
          if (answer.status === "failed" || !isJsonObject(response) || response["content"] === undefined) {
            return yield* failed(answer.error === undefined ? `${offer.provider_node_id} answered without a response` : `${offer.provider_node_id}: ${answer.error.code}: ${answer.error.message}`)
          }
          const payeeSignature = payeeSignatureOf(answer)
          const delivery = { ...deliveryOf(response), ...(payeeSignature === undefined ? {} : { payee_signature: payeeSignature }) }
          const settled = yield* settlement.capture(held, delivery).pipe(Effect.mapError((error) => fail(error.message)))
          return completedOutcome({
            orderId,
            offerId: offer.offer_id,
            providerId: order.provider_id,
            serviceType: offer.service_type,
            total,
            units,
            currency: order.currency,
            response,
            sourceNodeId: answer["provider/node-id"],
            sourceParticipantId: answer["provider/participant-id"],
            createdAt: answer.responded_at,
            settlement: settled
          })
        })
      }
    })

    return RemoteOrders.of({ serves, place })
  })

/** Remote ordering as a layer. */
export const layer = (
  settings: RemoteOrderSettings
): Layer.Layer<RemoteOrders, never, RemoteCatalog | CatalogSync | PeerClient | BuyerInbox | ParticipantKeys | Settlement | PeerKey> =>
  Layer.effect(RemoteOrders, make(settings))
