import { describe, expect, it } from "@effect/vitest"
import { Clock, Effect, FastCheck, Fiber, Ref, TestClock } from "effect"
import { makeThrottle, nextSlot } from "../../src/resilience/Throttle.js"

/** Reserves slots for callers arriving at `arrivals` (sorted), as the throttle does. */
const simulate = (arrivals: ReadonlyArray<number>, rate: { permits: number; windowMillis: number }) => {
  const reserved: Array<number> = []
  return arrivals.map((arrival) => {
    const live = reserved.filter((at) => at > arrival - rate.windowMillis)
    const slot = nextSlot(live, arrival, rate)
    reserved.splice(0, reserved.length, ...[...live, slot].sort((a, b) => a - b))
    return slot
  })
}

describe("throttle", () => {
  it.prop(
    "no window of the throttle's length ever holds more than N starts, and nobody starts before arriving",
    [
      FastCheck.integer({ min: 1, max: 5 }),
      FastCheck.integer({ min: 1, max: 1_000 }),
      FastCheck.array(FastCheck.integer({ min: 0, max: 5_000 }), { maxLength: 40 })
    ],
    ([permits, windowMillis, unsorted]) => {
      const arrivals = [...unsorted].sort((a, b) => a - b)
      const slots = simulate(arrivals, { permits, windowMillis })
      slots.forEach((slot, i) => expect(slot).toBeGreaterThanOrEqual(arrivals[i] ?? 0))
      for (const end of slots) {
        expect(slots.filter((slot) => slot > end - windowMillis && slot <= end).length).toBeLessThanOrEqual(permits)
      }
    }
  )

  it.effect("callers over the rate wait, in arrival order", () =>
    Effect.gen(function*() {
      const throttle = yield* makeThrottle({ permits: 3, windowMillis: 1_000 })
      const starts = yield* Ref.make<ReadonlyArray<number>>([])
      const caller = Effect.zipRight(
        throttle.acquire,
        Effect.flatMap(Clock.currentTimeMillis, (now) => Ref.update(starts, (all) => [...all, now]))
      )
      const fiber = yield* Effect.fork(Effect.all(Array.from({ length: 7 }, () => caller), { concurrency: "unbounded" }))
      yield* TestClock.adjust("5 seconds")
      yield* Fiber.join(fiber)
      expect(yield* Ref.get(starts)).toEqual([0, 0, 0, 1_000, 1_000, 1_000, 2_000])
    }))

  it.effect("a caller interrupted while waiting gives its slot back", () =>
    Effect.gen(function*() {
      const throttle = yield* makeThrottle({ permits: 1, windowMillis: 1_000 })
      yield* throttle.acquire
      const waiting = yield* Effect.fork(throttle.acquire)
      yield* TestClock.adjust("10 millis")
      expect(yield* throttle.reserved).toBe(2)
      yield* Fiber.interrupt(waiting)
      expect(yield* throttle.reserved).toBe(1)
      const next = yield* Effect.fork(Effect.zipRight(throttle.acquire, Clock.currentTimeMillis))
      yield* TestClock.adjust("1 second")
      expect(yield* Fiber.join(next)).toBe(1_000)
    }))
})
