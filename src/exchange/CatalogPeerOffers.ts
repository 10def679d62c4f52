/**
 * This node's offers as peers fetch them (SETTLEMENT.md §5 "Answer"): the current signed
 * `service-offer.v1` of each catalog offer, filtered by the fetch. An offer published without
 * participant keys (not signed for other nodes) is not served.
 */
import { Effect, Layer } from "effect"
import { OfferCatalog } from "./OfferCatalog.js"
import { LocalOffers, matching, type OfferDocument } from "./peer/LocalOffers.js"

/** LocalOffers over the node's catalog. */
export const layer: Layer.Layer<LocalOffers, never, OfferCatalog> = Layer.effect(
  LocalOffers,
  Effect.gen(function*() {
    const catalog = yield* OfferCatalog
    return LocalOffers.of({
      current: (filter) =>
        Effect.map(catalog.current, (offers) =>
          matching(filter, offers.flatMap((offer): ReadonlyArray<OfferDocument> => offer.service_offer === undefined ? [] : [offer.service_offer])))
    })
  })
)
