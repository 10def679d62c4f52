import { expect, it } from "@effect/vitest"
import { Effect, FastCheck, Layer, Option } from "effect"
import { OfferRepo, type StoredOffer } from "../../src/store/OfferRepo.js"
import { forEachDialect } from "./Stores.js"

const offer = (sequence: number, overrides: Partial<StoredOffer> = {}): StoredOffer => ({
  offer_id: "offer:abc",
  provider_id: "local:dator",
  executor_id: "dator",
  service_type: "news.search",
  sequence,
  issued_at_ms: 1_700_000_000_000 + sequence,
  expires_at_ms: 1_700_000_600_000 + sequence,
  amount: 1_000,
  currency: "ORC",
  max_depth: undefined,
  document: { schema_version: "service-offer.v1", sequence, signature: { alg: "ed25519", value: "x" } },
  ...overrides
})

forEachDialect("OfferRepo", (dialect) => {
  it.scopedLive("nextSequence is strictly increasing per caller and gapless overall under concurrent callers", () =>
    Effect.gen(function*() {
      const place = yield* dialect.place
      const context = yield* Layer.build(place.layer())
      let sample = 0
      const property = FastCheck.asyncProperty(
        FastCheck.array(FastCheck.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 6 }),
        (callers) => {
          const key = `key-${sample++}`
          return Effect.runPromise(Effect.gen(function*() {
            const repo = yield* OfferRepo
            const seen = yield* Effect.all(
              callers.map((calls) => Effect.all(Array.from({ length: calls }, () => repo.nextSequence(key)))),
              { concurrency: "unbounded" }
            )
            for (const values of seen) {
              for (let i = 1; i < values.length; i++) expect(values[i]).toBeGreaterThan(values[i - 1] ?? Infinity)
            }
            const all = seen.flat().sort((a, b) => a - b)
            const total = callers.reduce((sum, calls) => sum + calls, 0)
            expect(all).toEqual(Array.from({ length: total }, (_, i) => i + 1))
          }).pipe(Effect.provide(context)))
        }
      )
      yield* Effect.promise(() => FastCheck.assert(property, { numRuns: 25 }))
    }))

  it.scopedLive("a sequence continues after a restart; a stored offer is replaced only by a newer sequence", () =>
    Effect.gen(function*() {
      const place = yield* dialect.place
      yield* Effect.gen(function*() {
        const repo = yield* OfferRepo
        expect(yield* repo.nextSequence("offer:abc")).toBe(1)
        expect(yield* repo.nextSequence("offer:abc")).toBe(2)
        expect(yield* repo.nextSequence("offer:other")).toBe(1)
        expect(yield* repo.save(offer(2, { max_depth: 4 }))).toEqual(offer(2, { max_depth: 4 }))
        // A slower publication of an older sequence never replaces a newer one.
        expect(yield* repo.save(offer(1))).toEqual(offer(2, { max_depth: 4 }))
      }).pipe(Effect.provide(place.layer()))
      yield* Effect.gen(function*() {
        const repo = yield* OfferRepo
        expect(yield* repo.nextSequence("offer:abc")).toBe(3)
        expect(yield* repo.save(offer(3))).toEqual(offer(3))
        yield* repo.save(offer(1, { offer_id: "offer:def", provider_id: "local:other" }))
        expect(yield* repo.byId("offer:abc")).toEqual(Option.some(offer(3)))
        expect(yield* repo.byId("offer:none")).toEqual(Option.none())
        expect((yield* repo.ofProvider("local:other")).map((stored) => stored.offer_id)).toEqual(["offer:def"])
        expect((yield* repo.all).map((stored) => stored.offer_id)).toEqual(["offer:abc", "offer:def"])
      }).pipe(Effect.provide(place.layer()))
    }))
})
