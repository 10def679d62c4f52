import { expect, it } from "@effect/vitest"
import { Effect, FastCheck, Layer, Option, Schema } from "effect"
import type { IntentResult } from "../../src/contract/Envelope.js"
import { Json } from "../../src/contract/Json.js"
import { Claim, IdempotencyRepo } from "../../src/store/IdempotencyRepo.js"
import { IntentOutcomeRepo } from "../../src/store/IntentOutcomeRepo.js"
import { OrderRepo } from "../../src/store/OrderRepo.js"
import { forEachDialect } from "./Stores.js"

const toJson = Schema.decodeUnknownSync(Json)

const outcome = FastCheck.record({
  status: FastCheck.constantFrom("ok" as const, "rejected" as const, "failed" as const),
  // Through JSON text once, as the store keeps it (-0 becomes 0).
  result: FastCheck.option(FastCheck.jsonValue({ maxDepth: 2 }).map((value) => toJson(JSON.parse(JSON.stringify(value)))), {
    nil: undefined
  }),
  error: FastCheck.option(FastCheck.string({ maxLength: 20 }), { nil: undefined })
})

const order = (orderId: string) => ({
  order_id: orderId,
  intent_id: "i-1",
  run_id: "run-1",
  step_id: "fetch",
  attempt: 1,
  offer_id: "offer:abc",
  provider_id: "local:dator",
  service_type: "news.search",
  price: 1_000,
  currency: "ORC"
})

forEachDialect("insert-if-absent", (dialect) => {
  it.scopedLive("an intent id keeps its first outcome for any interleaving of recorders, across a restart", () =>
    Effect.gen(function*() {
      const place = yield* dialect.place
      const context = yield* Layer.build(place.layer())
      let sample = 0
      const property = FastCheck.asyncProperty(FastCheck.array(outcome, { minLength: 1, maxLength: 8 }), (candidates) => {
        const intentId = `intent-${sample++}`
        const results: Array<IntentResult> = candidates.map((candidate) => ({
          intent_id: intentId,
          status: candidate.status,
          ...(candidate.result === undefined ? {} : { result: candidate.result }),
          ...(candidate.error === undefined ? {} : { error: candidate.error })
        }))
        return Effect.runPromise(Effect.gen(function*() {
          const repo = yield* IntentOutcomeRepo
          const answers = yield* Effect.all(results.map((result) => repo.record("scope-p", result)), { concurrency: "unbounded" })
          const first = answers[0]
          expect(results).toContainEqual(first)
          for (const answer of answers) expect(answer).toEqual(first)
          expect(yield* repo.find("scope-p", intentId)).toEqual(Option.some(first))
        }).pipe(Effect.provide(context)))
      })
      yield* Effect.promise(() => FastCheck.assert(property, { numRuns: 30 }))
      const before = yield* Effect.provide(Effect.flatMap(IntentOutcomeRepo, (repo) => repo.ofScope("scope-p")), context)
      expect(before).toHaveLength(sample)
      const after = yield* Effect.flatMap(IntentOutcomeRepo, (repo) => repo.ofScope("scope-p")).pipe(Effect.provide(place.layer()))
      expect(after).toEqual(before)
    }))

  it.scopedLive("an order id is placed once and keeps its first outcome, across a restart", () =>
    Effect.gen(function*() {
      const place = yield* dialect.place
      yield* Effect.gen(function*() {
        const orders = yield* OrderRepo
        const placed = yield* orders.place(order("order:run-1:fetch#1"))
        expect(placed).toMatchObject({ status: "placed", outcome: null, price: 1_000, attempt: 1 })
        const again = yield* orders.place({ ...order("order:run-1:fetch#1"), price: 5 })
        expect(again).toEqual(placed)
        const settled = yield* Effect.all(
          [
            orders.settle("order:run-1:fetch#1", "completed", { outcome: "completed", response: { content: "a" } }),
            orders.settle("order:run-1:fetch#1", "rejected", { outcome: "rejected", reason: "queue-saturated" })
          ],
          { concurrency: "unbounded" }
        )
        expect(settled[1]).toEqual(settled[0])
        expect(settled[0].status === "completed" || settled[0].status === "rejected").toBe(true)
        const missing = yield* Effect.flip(orders.settle("order:none", "failed", {}))
        expect(missing.message).toContain("order order:none is not stored")
      }).pipe(Effect.provide(place.layer()))
      yield* Effect.gen(function*() {
        const orders = yield* OrderRepo
        const stored = Option.getOrThrow(yield* orders.byId("order:run-1:fetch#1"))
        expect(stored.status).not.toBe("placed")
        expect(yield* orders.place(order("order:run-1:fetch#1"))).toEqual(stored)
        expect(yield* orders.ofRun("run-1")).toEqual([stored])
      }).pipe(Effect.provide(place.layer()))
    }))

  it.scopedLive("an idempotency key answers fresh once, then pending, the first response, or a mismatch", () =>
    Effect.gen(function*() {
      const place = yield* dialect.place
      yield* Effect.gen(function*() {
        const keys = yield* IdempotencyRepo
        const claims = yield* Effect.all([keys.claim("k-1", "d-1"), keys.claim("k-1", "d-1"), keys.claim("k-1", "d-1")], {
          concurrency: "unbounded"
        })
        expect(claims.filter(Claim.$is("Fresh"))).toHaveLength(1)
        expect(claims.filter(Claim.$is("Pending"))).toHaveLength(2)
        expect(yield* keys.claim("k-1", "d-2")).toEqual(Claim.Mismatch({ digest: "d-1" }))
        expect(yield* keys.complete("k-1", { work_id: "w-1" })).toEqual({ work_id: "w-1" })
        expect(yield* keys.complete("k-1", { work_id: "w-2" })).toEqual({ work_id: "w-1" })
        // A failed request gives its key back; a completed one keeps it.
        expect(yield* keys.claim("k-2", "d")).toEqual(Claim.Fresh())
        yield* keys.release("k-2")
        expect(yield* keys.claim("k-2", "d")).toEqual(Claim.Fresh())
        yield* keys.release("k-1")
        const missing = yield* Effect.flip(keys.complete("k-3", null))
        expect(missing.message).toContain("never claimed")
      }).pipe(Effect.provide(place.layer()))
      yield* Effect.gen(function*() {
        const keys = yield* IdempotencyRepo
        expect(yield* keys.claim("k-1", "d-1")).toEqual(Claim.Replay({ response: { work_id: "w-1" } }))
        expect(yield* keys.claim("k-2", "d")).toEqual(Claim.Pending())
      }).pipe(Effect.provide(place.layer()))
    }))
})
