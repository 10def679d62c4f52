/**
 * The seller node's desk for orders other nodes dispatch (SETTLEMENT.md §3 steps 7-8): before it
 * takes an order it checks it as a seller must (the offer is this node's and current, the order is
 * signed by its buyer against the offer's sequence, the units cover the measured input, the queue
 * has room), and refuses with a classified, retryable-or-not code otherwise. A taken order waits for
 * this node's operator when its offer says `auto_accept: false`, runs the offer's Dator chain
 * (`service.execute`), and its `service-order.result.v1` is delivered to the buyer's reply target
 * (the buyer polls when that fails). The ledger is the buyer's: nothing here books money.
 */
import { Clock, Effect, Either, Layer, Option } from "effect"
import { isJson, type Json } from "../contract/Json.js"
import { verifyOffer, verifyOrder } from "./MarketArtifacts.js"
import { type CatalogOffer, OfferCatalog } from "./OfferCatalog.js"
import { executeOrder, type Execution } from "./OrderExecution.js"
import type { Acceptance } from "./ExchangeConfig.js"
import { OrderAcceptance } from "./OrderAcceptance.js"
import { RETRYABLE } from "./OrderModel.js"
import { type OfferTerms, termsOf, unitsOf } from "./OfferTerms.js"
import { ExecutorChains } from "./ExecutorChains.js"
import { BUYER, ParticipantKeys } from "./ParticipantKeys.js"
import { PeerClient } from "./peer/PeerClient.js"
import { PeerKey } from "./peer/PeerKey.js"
import { type DispatchRequest, PAYEE_SIGNATURE_PREFIX, payeeSignedPart, RESULT_DOMAIN, type ServiceOrderResult } from "./peer/PeerMessages.js"
import { DispatchRefused, makeReference, SellerDesk } from "./peer/SellerDesk.js"
import type { ServiceOrder } from "./settlement/artifacts/ServiceOrder.js"

/** A dispatch that passed the checks, with what running it needs. */
interface Taken {
  readonly offer: CatalogOffer
  readonly terms: OfferTerms
  readonly order: ServiceOrder
  readonly input: Json
  readonly total: number
}

/** How the desk treats offer terms (`procurement.acceptance`). */
export interface SellerDeskOptions {
  /** `offer-terms`: orders of an offer with auto_accept false await this node's operator; `automatic`: accepted in advance. */
  readonly acceptance: Acceptance
}

/** Builds the desk over this node's catalog, chains, acceptance queue and participant keys. */
export const make = (options: SellerDeskOptions = { acceptance: "offer-terms" }) => Effect.gen(function*() {
  const catalog = yield* OfferCatalog
  const chains = yield* ExecutorChains
  const acceptance = yield* OrderAcceptance
  const keys = yield* ParticipantKeys
  const client = yield* PeerClient
  const nodeId = (yield* PeerKey).nodeId
  const depth = new Map<string, number>()
  const taken = new Map<string, Taken>()
  const keyOf = (from: string, requestId: string) => `${from} ${requestId}`

  const check = (dispatch: DispatchRequest): Effect.Effect<Taken, DispatchRefused> =>
    Effect.gen(function*() {
      const refuse = (code: string, reason: string) =>
        new DispatchRefused({ request_id: dispatch.request_id, code, reason, retryable: RETRYABLE.has(code) })
      const offerId = dispatch.order["offer/id"]
      const found = yield* catalog.byId(offerId)
      if (Option.isNone(found)) return yield* refuse("offer-not-found", `this node has no offer ${offerId} (withdrawn, or never published here): fetch its catalog again and order a current offer`)
      const offer = found.value
      if (yield* catalog.isExpired(offer)) return yield* refuse("offer-expired", `offer ${offerId} has expired; fetch the catalog again`)
      if (offer.service_offer === undefined) return yield* refuse("offer-not-found", `offer ${offerId} was published without a provider signature, so other nodes cannot order it: its operator must publish it again`)
      const verifiedOffer = verifyOffer(offer.service_offer, { now: yield* Clock.currentTimeMillis })
      if (Either.isLeft(verifiedOffer)) return yield* refuse(verifiedOffer.left.reason, verifiedOffer.left.detail)
      const verifiedOrder = verifyOrder(dispatch.order, verifiedOffer.right)
      if (Either.isLeft(verifiedOrder)) return yield* refuse(verifiedOrder.left.reason, verifiedOrder.left.detail)
      const order = verifiedOrder.right
      const terms = termsOf(offer)
      if (Either.isLeft(terms)) return yield* refuse("unit-kind-unsupported", terms.left)
      const input = order["request/input"]
      if (!isJson(input)) return yield* refuse("schema-invalid", "request/input is not JSON: send the order's input as JSON")
      const units = order["request/units"]
      const measured = unitsOf(terms.right, units, input)
      if (measured > units) {
        return yield* refuse("units-insufficient", `the input measures ${measured} unit(s) of ${terms.right.unitLabel}; the order pays for ${units}: order ${measured} units`)
      }
      const total = units * offer.amount
      if (total > order["pricing/max-amount"]) {
        return yield* refuse("price-exceeded", `${units} × ${offer.amount} = ${total}, above the order's pricing/max-amount ${order["pricing/max-amount"]}: raise the maximum or order fewer units`)
      }
      const inFlight = depth.get(offer.executor_id) ?? 0
      if (inFlight >= terms.right.maxDepth) {
        return yield* refuse("queue-saturated", `${offer.provider_id} has ${inFlight} orders in progress; its queue takes ${terms.right.maxDepth}: try again when one ends`)
      }
      return { offer, terms: terms.right, order, input, total }
    })

  const track = (executorId: string, change: number) =>
    Effect.sync(() => depth.set(executorId, Math.max(0, (depth.get(executorId) ?? 0) + change)))

  /** The operator's decision for an order whose offer does not accept on its own. */
  const awaitOperator = (work: Taken, deadline: number): Effect.Effect<Execution | undefined> =>
    work.terms.autoAccept || options.acceptance === "automatic" ? Effect.succeed(undefined) : Effect.map(
      acceptance.await({
        order_id: work.order["order/id"],
        provider_id: work.offer.provider_id,
        offer_id: work.offer.offer_id,
        service_type: work.offer.service_type,
        amount: work.total,
        currency: work.order["pricing/currency"]
      }, deadline),
      (decision): Execution | undefined =>
        // Accepted: run it; refused or expired: the buyer is told why.
        decision._tag === "Accepted" ? undefined
        : decision._tag === "Refused" ? { _tag: "Rejected", reason: "order-refused", message: `the provider's operator refused the order: ${decision.reason}` }
        : { _tag: "Rejected", reason: "acceptance-expired", message: `the provider's operator did not accept the order by ${new Date(deadline).toISOString()}` }
    )

  const execute = (from: string, dispatch: DispatchRequest): Effect.Effect<ServiceOrderResult> =>
    Effect.gen(function*() {
      const work = taken.get(keyOf(from, dispatch.request_id))
      const now = yield* Clock.currentTimeMillis
      const deadline = Math.min(Date.parse(dispatch.delivery_deadline), now + (work?.terms.maxDurationSec ?? 600) * 1_000)
      const decided = work === undefined ? undefined : yield* awaitOperator(work, deadline)
      const execution: Execution = work === undefined
        ? { _tag: "Failed", reason: "the order was not taken by this node" }
        : decided ?? (yield* executeOrder({
          executorId: work.offer.executor_id,
          order: {
            order_id: work.order["order/id"],
            offer_id: work.offer.offer_id,
            service_type: work.offer.service_type,
            price: work.total,
            units: work.order["request/units"],
            currency: work.order["pricing/currency"],
            buyer_id: work.order["buyer/subject-id"],
            ...(dispatch["workflow/run-id"] === undefined ? {} : { run_id: dispatch["workflow/run-id"] })
          },
          input: work.input,
          depth: (depth.get(work.offer.executor_id) ?? 1) - 1,
          maxDepth: work.terms.maxDepth,
          correlationId: dispatch["correlation/id"],
          budgetMs: deadline - (yield* Clock.currentTimeMillis)
        }).pipe(Effect.provideService(ExecutorChains, chains)))
      // Never absent (accept records the work first); the buyer checks the provider participant anyway.
      yield* Effect.logInfo(`order ${dispatch.order["order/id"]} from ${from}: ${execution._tag.toLowerCase()}${execution._tag === "Completed" ? "" : ` (${execution.reason})`}`)
      const participant = yield* keys.idOf(work?.offer.executor_id ?? BUYER).pipe(Effect.orElseSucceed(() => ""))
      const base = {
        request_id: dispatch.request_id,
        "correlation/id": dispatch["correlation/id"],
        ...(dispatch["workflow/run-id"] === undefined ? {} : { "workflow/run-id": dispatch["workflow/run-id"] }),
        ...(dispatch["workflow/step-id"] === undefined ? {} : { "workflow/step-id": dispatch["workflow/step-id"] }),
        ...(dispatch["workflow/attempt"] === undefined ? {} : { "workflow/attempt": dispatch["workflow/attempt"] }),
        service_type: dispatch.order["service/type"],
        "provider/node-id": nodeId,
        "provider/participant-id": participant,
        responded_at: new Date(yield* Clock.currentTimeMillis).toISOString()
      }
      const result: ServiceOrderResult = execution._tag === "Completed"
        ? { ...base, status: "completed", output: execution.response }
        : execution._tag === "Rejected"
        ? { ...base, status: "rejected", error: { code: execution.reason, message: execution.message } }
        : { ...base, status: "failed", error: { code: "execution-failed", message: execution.reason } }
      // The payee signs what it delivers; the buyer's receipt carries that signature (it cannot sign there).
      const signature = yield* Effect.option(keys.signAs(participant, RESULT_DOMAIN, payeeSignedPart(result)))
      return Option.match(signature, {
        onNone: () => result,
        onSome: (signed): ServiceOrderResult => ({ ...result, "settlement/refs": [`${PAYEE_SIGNATURE_PREFIX}${signed.value}`] })
      })
    }).pipe(
      Effect.ensuring(Effect.suspend(() => {
        const work = taken.get(keyOf(from, dispatch.request_id))
        return work === undefined ? Effect.void : track(work.offer.executor_id, -1)
      }))
    )

  const reference = yield* makeReference({
    execute,
    deliver: (from, dispatch, result) => client.deliverResult(from, dispatch["reply/target"], result)
  })

  return SellerDesk.of({
    accept: (from, dispatch) =>
      Effect.gen(function*() {
        const key = keyOf(from, dispatch.request_id)
        // A dispatch seen before keeps its first answer (the peer server answers it; this is the desk's own guard).
        if (taken.has(key)) return
        const work = yield* check(dispatch).pipe(
          Effect.tapError((refused) => Effect.logInfo(`order ${dispatch.order["order/id"]} from ${from} refused (${refused.code}): ${refused.reason}`))
        )
        taken.set(key, work)
        yield* Effect.logInfo(
          `order ${work.order["order/id"]} from ${from} taken for ${work.offer.provider_id} ${work.offer.service_type} ${work.total} ${work.order["pricing/currency"]}` +
            (work.terms.autoAccept || options.acceptance === "automatic" ? "" : ": awaiting this node's operator (orbiplex order accept)")
        )
        yield* track(work.offer.executor_id, 1)
        yield* reference.accept(from, dispatch)
      }),
    status: reference.status
  })
})

/** The desk as the peer server's SellerDesk, its orders running in the layer's scope. */
export const layer = (
  options: SellerDeskOptions
): Layer.Layer<SellerDesk, never, OfferCatalog | ExecutorChains | OrderAcceptance | ParticipantKeys | PeerClient | PeerKey> =>
  Layer.scoped(SellerDesk, make(options))
