/**
 * The catalog numbers offers from the store (issue 10 item 1.4): an offer's sequence keeps growing
 * across host restarts (two openings of the same store), and each signed offer is saved.
 */
import { NodeContext } from "@effect/platform-node"
import { expect, it } from "@effect/vitest"
import { Effect, Layer, Option, Schema } from "effect"
import { CatalogConfig } from "../../src/exchange/ExchangeConfig.js"
import * as NodeIdentity from "../../src/exchange/NodeIdentity.js"
import * as OfferCatalog from "../../src/exchange/OfferCatalog.js"
import { OfferRepo } from "../../src/store/OfferRepo.js"
import { forEachDialect } from "./Stores.js"

const settings = Schema.decodeSync(CatalogConfig)({ offer_ttl: "1h" })

forEachDialect("offer sequences", (dialect) => {
  it.scopedLive("an offer's sequence is monotonic across two lives of the node, and the offer is stored", () =>
    Effect.gen(function*() {
      const place = yield* dialect.place
      // One life of the node: its identity (same folder each time) and an opening of the store.
      const life = (count: number) =>
        Effect.gen(function*() {
          const catalog = yield* OfferCatalog.make(settings)
          const offers: Array<OfferCatalog.CatalogOffer> = []
          for (let i = 0; i < count; i++) {
            offers.push(yield* catalog.accept(yield* catalog.draft("dator-a", "news.topical", i), { pricing: { amount: 100 + i, currency: "ORC" } }))
          }
          const stored = yield* Effect.flatMap(OfferRepo, (repo) => repo.byId(offers[0]?.offer_id ?? ""))
          return { sequences: offers.map((offer) => offer.sequence), stored, last: offers[offers.length - 1] }
        }).pipe(
          Effect.provide(Layer.merge(NodeIdentity.layer(place.dataDir), place.bare())),
          Effect.provide(NodeContext.layer),
          Effect.orDie
        )
      const first = yield* life(3)
      const second = yield* life(2)
      expect(first.sequences).toEqual([1, 2, 3])
      expect(second.sequences).toEqual([4, 5])
      expect(Option.map(second.stored, (offer) => [offer.sequence, offer.amount, offer.document])).toEqual(
        Option.some([5, 101, second.last?.document])
      )
    }))
})
