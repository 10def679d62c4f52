/**
 * The signed artifacts behind one order (SETTLEMENT.md decisions 2-4, §3 steps 1 and 3-4): the
 * catalog offer projected to `service-offer.v1` and signed by its provider participant (the
 * executor's own key), the `service-order.v1` signed by the buyer participant, and both verified
 * as a seller would before anything is held. A refusal says why, as procurement reports it.
 */
import { Clock, Effect, Either } from "effect"
import type { Json } from "../contract/Json.js"
import { ORDER_DOMAIN, verifyOffer, verifyOrder } from "./MarketArtifacts.js"
import type { CatalogOffer } from "./OfferCatalog.js"
import { type OfferTerms, termsOf, unitsOf } from "./OfferTerms.js"
import { signServiceOffer } from "./OfferSigning.js"
import { BUYER, ParticipantKeys, type ParticipantKeyUnavailable } from "./ParticipantKeys.js"
import type { ServiceOffer } from "./settlement/artifacts/ServiceOffer.js"
import type { ServiceOrder } from "./settlement/artifacts/ServiceOrder.js"

/** The order as procurement received it (the fields signing reads). */
export interface OrderRequest {
  readonly service_type: string
  readonly price: number
  readonly currency: string
  readonly units?: number
  readonly input: Json
  readonly run_id?: string
  readonly step_id?: string
  readonly attempt?: number
}

/** Both artifacts, verified, with what procurement needs from them. */
export interface SignedOrder {
  readonly offer: ServiceOffer
  readonly order: ServiceOrder
  readonly buyerId: string
  readonly providerParticipantId: string
  readonly terms: OfferTerms
  readonly units: number
}

type Refusal = { readonly reason: string; readonly field: string; readonly message: string }

/** Who and what one `service-order.v1` names. */
export interface OrderParties {
  readonly orderId: string
  /** Creation time, epoch ms. */
  readonly now: number
  readonly buyerNodeId: string
  readonly buyerId: string
  readonly providerNodeId: string
  readonly providerParticipantId: string
  readonly offerId: string
  readonly offerSeq: number
  readonly serviceType: string
  readonly units: number
  readonly request: OrderRequest
}

/** `service-order.v1` for `parties`, signed by this node's buyer participant (decision 3). */
export const signOrderDocument = (keys: ParticipantKeys["Type"], parties: OrderParties) =>
  Effect.gen(function*() {
    const { request } = parties
    const unsignedOrder = {
      "schema/v": 1,
      "order/id": parties.orderId,
      "created-at": new Date(parties.now).toISOString(),
      "buyer/node-id": parties.buyerNodeId,
      "buyer/subject-kind": "participant",
      "buyer/subject-id": parties.buyerId,
      "provider/node-id": parties.providerNodeId,
      "provider/participant-id": parties.providerParticipantId,
      "offer/id": parties.offerId,
      "offer/seq": parties.offerSeq,
      "service/type": parties.serviceType,
      "request/units": parties.units,
      "request/input": request.input,
      "pricing/max-amount": request.price,
      "pricing/currency": request.currency,
      ...(request.run_id === undefined ? {} : { "workflow/run-id": request.run_id }),
      ...(request.step_id === undefined ? {} : { "workflow/step-id": request.step_id }),
      ...(request.attempt === undefined ? {} : { "workflow/attempt": request.attempt })
    }
    return { ...unsignedOrder, signature: yield* keys.sign(BUYER, ORDER_DOMAIN, unsignedOrder) }
  })

/** Offer and order signing over the node's participant keys. */
export const makeOrderSigning = Effect.gen(function*() {
  const keys = yield* ParticipantKeys
  const sign = (
    offer: CatalogOffer,
    request: OrderRequest,
    orderId: string,
    depth: number
  ): Effect.Effect<SignedOrder | Refusal, ParticipantKeyUnavailable> =>
    Effect.gen(function*() {
      const terms = termsOf(offer)
      if (Either.isLeft(terms)) return { reason: "unit-kind-unsupported", field: "offer.pricing.unit_kind", message: terms.left }
      const providerParticipantId = yield* keys.idOf(offer.executor_id)
      const buyerId = yield* keys.idOf(BUYER)
      // The catalog signed it at publication; an offer published without participant keys is signed now.
      const offerDocument = offer.service_offer ?? (yield* signServiceOffer(keys, offer, nodeIdOf(offer), depth))
      const now = yield* Clock.currentTimeMillis
      const verifiedOffer = verifyOffer(offerDocument, { now })
      if (Either.isLeft(verifiedOffer)) return { reason: verifiedOffer.left.reason, field: "offer_id", message: verifiedOffer.left.message }
      const units = unitsOf(terms.right, request.units ?? 1, request.input)
      const orderDocument = yield* signOrderDocument(keys, {
        orderId,
        now,
        buyerNodeId: nodeIdOf(offer),
        buyerId,
        providerNodeId: nodeIdOf(offer),
        providerParticipantId,
        offerId: offer.offer_id,
        offerSeq: offer.sequence,
        serviceType: offer.service_type,
        units,
        request
      })
      const verifiedOrder = verifyOrder(orderDocument, verifiedOffer.right)
      if (Either.isLeft(verifiedOrder)) return { reason: verifiedOrder.left.reason, field: "order", message: verifiedOrder.left.message }
      return { offer: verifiedOffer.right, order: verifiedOrder.right, buyerId, providerParticipantId, terms: terms.right, units } satisfies SignedOrder
    })
  return { sign }
})

// The catalog document carries the node id the host put there.
const nodeIdOf = (offer: CatalogOffer): string => {
  const id = offer.document["node_id"]
  return typeof id === "string" ? id : ""
}
