/** Offer terms (issue 10 item 5): orders awaiting their operator, decided or expired on the host's clock. */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, TestClock } from "effect"
import { make, NotAwaiting } from "../../src/exchange/OrderAcceptance.js"

const order = (id: string) => ({ order_id: id, provider_id: "local:dator-redaction", offer_id: "offer:ola", service_type: "text/redaction", amount: 1000, currency: "ORC" })

describe("order acceptance", () => {
  it.effect("an order waits, is listed as pending, and goes on once the operator accepts it", () =>
    Effect.gen(function*() {
      const acceptance = yield* make
      const waiting = yield* Effect.fork(acceptance.await(order("order:r:s:1"), 60_000))
      yield* TestClock.adjust(1)
      expect(yield* acceptance.pending).toEqual([{ ...order("order:r:s:1"), accept_by: "1970-01-01T00:01:00.000Z" }])
      yield* acceptance.accept("order:r:s:1")
      expect(yield* Fiber.join(waiting)).toEqual({ _tag: "Accepted" })
      expect(yield* acceptance.pending).toEqual([])
      // Deciding twice is an error a person can act on.
      const again = yield* Effect.flip(acceptance.accept("order:r:s:1"))
      expect(again).toBeInstanceOf(NotAwaiting)
      expect(again.message).toContain("not awaiting acceptance")
    }))

  it.effect("a refusal carries the operator's reason", () =>
    Effect.gen(function*() {
      const acceptance = yield* make
      const waiting = yield* Effect.fork(acceptance.await(order("order:r:s:2"), 60_000))
      yield* TestClock.adjust(1)
      yield* acceptance.refuse("order:r:s:2", "too long for today")
      expect(yield* Fiber.join(waiting)).toEqual({ _tag: "Refused", reason: "too long for today" })
    }))

  it.effect("accept-by passing on the host's clock expires the wait and removes it from pending", () =>
    Effect.gen(function*() {
      const acceptance = yield* make
      const waiting = yield* Effect.fork(acceptance.await(order("order:r:s:3"), 60_000))
      yield* TestClock.adjust(59_999)
      expect((yield* acceptance.pending).map((p) => p.order_id)).toEqual(["order:r:s:3"])
      yield* TestClock.adjust(1)
      expect(yield* Fiber.join(waiting)).toEqual({ _tag: "Expired" })
      expect(yield* acceptance.pending).toEqual([])
      expect(yield* Effect.flip(acceptance.accept("order:r:s:3"))).toBeInstanceOf(NotAwaiting)
    }))
})
