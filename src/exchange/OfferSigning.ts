/**
 * A catalog offer as the signed `service-offer.v1` (SETTLEMENT.md decision 4's mapping, signed by
 * the provider participant: the executor's own key, decision 2). `undefined` when its pricing has no
 * orbidocs equivalent (`tokens`, `seconds`): such an offer serves no exchange order.
 */
import { Effect, Either } from "effect"
import type { JsonObject } from "../contract/Json.js"
import { OFFER_DOMAIN } from "./MarketArtifacts.js"
import type { StoredOffer } from "../store/OfferRepo.js"
import { projectOffer, termsOf } from "./OfferTerms.js"
import type { ParticipantKeys, ParticipantKeyUnavailable } from "./ParticipantKeys.js"

/** Projects and signs `offer` as its provider participant. */
export const signServiceOffer = (
  keys: ParticipantKeys["Type"],
  offer: StoredOffer,
  nodeId: string,
  currentDepth: number
): Effect.Effect<JsonObject | undefined, ParticipantKeyUnavailable> =>
  Effect.gen(function*() {
    const terms = termsOf(offer)
    if (Either.isLeft(terms)) return undefined
    const participantId = yield* keys.idOf(offer.executor_id)
    const unsigned = projectOffer(offer, terms.right, { nodeId, participantId, currentDepth })
    const signature = yield* keys.sign(offer.executor_id, OFFER_DOMAIN, unsigned)
    return { ...unsigned, signature: { alg: signature.alg, value: signature.value } }
  })
