/**
 * The seller's seam for catalog fetches: this node's signed `service-offer.v1` documents, which the
 * peer server wraps in relay envelopes. The host's OfferCatalog backs it once offers are built in
 * the orbidocs shape; `layerStatic` serves a fixed list.
 */
import { Context, Effect, Layer } from "effect"
import type { CatalogFetchRequest } from "./PeerMessages.js"

/** A signed offer document, exactly as signed. */
export type OfferDocument = Readonly<Record<string, unknown>>

/** This node's offers for peers. */
export class LocalOffers extends Context.Tag("orbiplex/LocalOffers")<LocalOffers, {
  /** Current (unexpired) offers matching the fetch's filter. */
  readonly current: (filter: CatalogFetchRequest["filter"]) => Effect.Effect<ReadonlyArray<OfferDocument>>
}>() {}

const matches = (filter: CatalogFetchRequest["filter"], offer: OfferDocument) =>
  (filter?.service_type === undefined || offer["service/type"] === filter.service_type) &&
  (filter?.provider_participant_id === undefined || offer["provider/participant-id"] === filter.provider_participant_id)

/** The offers of `offers` a fetch's filter asks for. */
export const matching = (filter: CatalogFetchRequest["filter"], offers: ReadonlyArray<OfferDocument>): ReadonlyArray<OfferDocument> =>
  offers.filter((offer) => matches(filter, offer))

/** A fixed list of offers, filtered per fetch. */
export const fromList = (offers: () => ReadonlyArray<OfferDocument>): LocalOffers["Type"] =>
  LocalOffers.of({ current: (filter) => Effect.sync(() => matching(filter, offers())) })

/** `fromList` as a layer. */
export const layerStatic = (offers: ReadonlyArray<OfferDocument>): Layer.Layer<LocalOffers> =>
  Layer.succeed(LocalOffers, fromList(() => offers))
