/**
 * The offer catalog and publication (docs/modules.md §2.2): every Dator service published at start,
 * shaped by its own Dator through `service.publish`, completed and signed by the host; a forbidden
 * write (offer_extras provider_id) clipped while the rest applies; refusals reported; expiry and
 * sequences on the catalog alone (TestClock); `catalog.publish-offer` for a module's own offers.
 */
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer, Option, Schema, TestClock } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { CatalogConfig } from "../../src/exchange/ExchangeConfig.js"
import * as NodeIdentity from "../../src/exchange/NodeIdentity.js"
import * as OfferCatalog from "../../src/exchange/OfferCatalog.js"
import { defaultStorage } from "../../src/config/StorageConfig.js"
import * as NodeStore from "../../src/store/NodeStore.js"
import * as StoreLayer from "../../src/store/StoreLayer.js"
import { expectNoLeftoverProcesses } from "../support/Processes.js"
import { datorEntry, startExchange, storyDators } from "./ExchangeHarness.js"

expectNoLeftoverProcesses()

describe("offer publication", () => {
  it.scopedLive("publishes each Dator's service at start, shaped by that Dator and signed by the node", () =>
    Effect.gen(function*() {
      const node = yield* startExchange(storyDators())
      const offers = yield* node.catalog.all
      expect(offers.map((offer) => [offer.provider_id, offer.service_type, offer.amount, offer.currency]).sort()).toEqual([
        ["local:dator-illustration", "illustration.editorial", 500, "ORC"],
        ["local:dator-news", "news.topical", 600, "ORC"],
        ["local:dator-redaction", "redaction.pl", 1000, "ORC"]
      ])
      const news = offers.find((offer) => offer.provider_id === "local:dator-news")
      expect(news).toBeDefined()
      if (news === undefined) return
      expect(node.catalog.verify(news)).toBe(true)
      const doc = news.document
      expect(doc).toMatchObject({
        schema_version: "service-offer.v1",
        offer_id: news.offer_id,
        service_type: "news.topical",
        provider_id: "local:dator-news",
        node_id: node.catalog.nodeId,
        participant_id: node.catalog.participantId,
        sequence: 1,
        pricing: { amount: 600, currency: "ORC", unit_kind: "item", unit_size: 1 },
        delivery: { max_duration: "10min", max_duration_ms: 600_000 },
        queue: { auto_accept: true, max_depth: 5, current_depth: 0 },
        metadata: { provider_label: "adam-news", model: "gpt-5" },
        constraints: { output: { format: "markdown" } }
      })
      expect(doc["signature"]).toMatchObject({ alg: "ed25519", signer: node.catalog.nodeId.slice("node:".length) })
      expect(Date.parse(String(doc["expires_at"])) - Date.parse(String(doc["issued_at"]))).toBe(12 * 3_600_000)
      // The signature covers the content: a changed price no longer verifies.
      expect(node.catalog.verify({ ...news, document: { ...doc, pricing: { amount: 1, currency: "ORC" } } })).toBe(false)
      // Each Dator shaped only its own offer: the other Dators on the chain are passed over, visibly.
      const trace = yield* node.traces.byCorrelation(news.offer_id)
      expect(trace.flatMap((t) => t.executors.map((e) => [e.executor_id, e.status]))).toEqual([
        ["dator-news", "applied"],
        ["dator-redaction", "passed-over"],
        ["dator-illustration", "passed-over"]
      ])
      expect(trace[0]?.executors[1]?.reason).toContain("provider dator-news's own offer or order")
    }))

  it.scopedLive("clips a forbidden write (offer_extras provider_id), applies the rest, and signs the host's identity", () =>
    Effect.gen(function*() {
      const node = yield* startExchange([
        datorEntry("dator-forger", {
          identity: "forger",
          offer_extras: { provider_id: "participant:did:key:zForged", title: "Honest news", sequence: 99 },
          services: [{ service_type: "news.topical", price: 700 }]
        })
      ])
      const published = yield* node.publisher.publish("dator-forger", "news.topical")
      expect(published.clipped).toEqual(expect.arrayContaining([
        { path: "offer.provider_id", reason: "host-owned" },
        { path: "offer.sequence", reason: "host-owned" }
      ]))
      expect(published.offer.document).toMatchObject({
        provider_id: "local:dator-forger",
        title: "Honest news",
        sequence: 2,
        pricing: { amount: 700, currency: "ORC" }
      })
      expect(node.catalog.verify(published.offer)).toBe(true)
      const trace = yield* node.traces.byCausality(published.causality_id)
      expect(Option.map(trace, (t) => t.executors[0]?.clipped.map((c) => c.path))).toEqual(
        Option.some(expect.arrayContaining(["offer.provider_id"]))
      )
    }))

  it.scopedLive("a Dator's refusal is a publication failure and nothing is stored", () =>
    Effect.gen(function*() {
      const node = yield* startExchange([datorEntry("dator-news", { services: [{ service_type: "news.topical", price: 600 }] })])
      const refused = yield* Effect.either(node.publisher.publish("dator-news", "weather.daily"))
      expect(Either.isLeft(refused)).toBe(true)
      if (Either.isLeft(refused)) {
        expect(refused.left.message).toContain("the offer of dator-news for \"weather.daily\" was not published")
        expect(refused.left.message).toContain("does not offer service type 'weather.daily'")
      }
      expect((yield* node.catalog.all).map((offer) => offer.service_type)).toEqual(["news.topical"])
    }))

  it.scopedLive("catalog.publish-offer republishes the asking module's own offer, under its own provider id", () =>
    Effect.gen(function*() {
      const node = yield* startExchange(storyDators())
      const result = yield* node.intents.execute(
        { intent_id: "p1", capability: "catalog.publish-offer", input: { service_type: "redaction.pl" } },
        {
          hook: "service.publish",
          executorId: "dator-redaction",
          moduleId: "orbiplex-dator",
          correlationId: "c",
          causalityId: "cause:c",
          deadline: Number.POSITIVE_INFINITY
        }
      )
      expect(result.status).toBe("ok")
      expect(result.result).toMatchObject({ provider_id: "local:dator-redaction", service_type: "redaction.pl", sequence: 2 })
      const offers = yield* node.catalog.offersOf("local:dator-redaction")
      expect(offers.map((offer) => offer.sequence)).toEqual([2])
    }))
})

describe("offer catalog", () => {
  const withCatalog = (ttl: string) =>
    Effect.gen(function*() {
      const dir = yield* Effect.acquireRelease(
        Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "orbiplex-catalog-"))),
        (folder) => Effect.sync(() => Fs.rmSync(folder, { recursive: true, force: true }))
      )
      const settings = Schema.decodeSync(CatalogConfig)({ offer_ttl: ttl })
      // The catalog numbers and keeps its offers in the node's store (SQLite in the same folder).
      const store = yield* Layer.build(StoreLayer.repositories.pipe(Layer.provideMerge(NodeStore.layer(defaultStorage, dir)))).pipe(
        Effect.orDie
      )
      return yield* OfferCatalog.make(settings).pipe(Effect.provide(NodeIdentity.layer(dir)), Effect.provide(store), Effect.orDie)
    })

  it.scoped("offers expire after their ttl (or the module's ttl_sec); lookups still find them", () =>
    Effect.gen(function*() {
      const catalog = yield* withCatalog("10s")
      const draft = yield* catalog.draft("dator-a", "news.topical", 0)
      const offer = yield* catalog.accept(draft, { pricing: { amount: 100, currency: "ORC" } })
      const short = yield* catalog.accept(yield* catalog.draft("dator-b", "news.topical", 0), {
        pricing: { amount: 100, currency: "ORC" },
        ttl_sec: 2
      })
      expect(offer.expires_at_ms - offer.issued_at_ms).toBe(10_000)
      expect(short.expires_at_ms - short.issued_at_ms).toBe(2_000)
      yield* TestClock.adjust("2 seconds")
      expect(yield* catalog.isExpired(short)).toBe(true)
      expect((yield* catalog.current).map((o) => o.provider_id)).toEqual(["local:dator-a"])
      yield* TestClock.adjust("8 seconds")
      expect(yield* catalog.current).toEqual([])
      expect((yield* catalog.all).length).toBe(2)
      expect(Option.isSome(yield* catalog.byId(offer.offer_id))).toBe(true)
    }).pipe(Effect.provide(NodeContext.layer)))

  it.scoped("republication keeps the offer id, raises the sequence, and replaces the offer", () =>
    Effect.gen(function*() {
      const catalog = yield* withCatalog("1h")
      const first = yield* catalog.accept(yield* catalog.draft("dator-a", "news.topical", 0), { pricing: { amount: 100, currency: "ORC" } })
      const second = yield* catalog.accept(yield* catalog.draft("dator-a", "news.topical", 2), { pricing: { amount: 120, currency: "ORC" } })
      expect(second.offer_id).toBe(first.offer_id)
      expect([first.sequence, second.sequence]).toEqual([1, 2])
      expect((yield* catalog.all).map((o) => [o.sequence, o.amount])).toEqual([[2, 120]])
      expect(second.document["queue"]).toEqual({ current_depth: 2 })
      expect(catalog.verify(second)).toBe(true)
    }).pipe(Effect.provide(NodeContext.layer)))

  it.scoped("an offer without a price is not signed; the error names the field", () =>
    Effect.gen(function*() {
      const catalog = yield* withCatalog("1h")
      const refused = yield* Effect.either(catalog.accept(yield* catalog.draft("dator-a", "news.topical", 0), { title: "free?" }))
      expect(Either.isLeft(refused)).toBe(true)
      if (Either.isLeft(refused)) expect(refused.left.message).toContain("offer.pricing")
      expect(yield* catalog.all).toEqual([])
    }).pipe(Effect.provide(NodeContext.layer)))
})
