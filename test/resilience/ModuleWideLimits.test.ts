/**
 * Issue 9 item 8: `concurrency` and `throttle` bound a module as a whole (CONTRACTS §3.5 "per module"),
 * not each call site that happens to give the same numbers, nor each distinct number.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, FastCheck, Fiber, Ref, TestClock } from "effect"
import { makeConcurrencyLimit } from "../../src/resilience/ConcurrencyLimit.js"
import { layer } from "../../src/resilience/CallPolicies.js"
import { options, request, run, scripted, slow, startTimes } from "./Scripted.js"

describe("module-wide limits", () => {
  it.effect("two call sites with concurrency 2 and 3 never run more than 3 calls of the module at once", () =>
    Effect.gen(function*() {
      const module = yield* scripted([], slow(100, "ok"))
      const calls = Array.from({ length: 12 }, (_, i) =>
        run(request(module.call, options({ concurrency: i % 2 === 0 ? 2 : 3 }), { i })))
      const fiber = yield* Effect.fork(Effect.all(calls, { concurrency: "unbounded" }))
      yield* TestClock.adjust("5 seconds")
      yield* Fiber.join(fiber)
      expect(yield* module.count).toBe(12)
      expect(yield* Ref.get(module.maxInFlight)).toBe(3)
    }).pipe(Effect.provide(layer)))

  it.effect("two call sites with throttles 2/1s and 3/1s start at most 3 calls of the module in any second", () =>
    Effect.gen(function*() {
      const module = yield* scripted([], slow(1, "ok"))
      const calls = Array.from({ length: 9 }, (_, i) =>
        run(request(module.call, options({ throttle: i % 2 === 0 ? "2/1s" : "3/1s" }), { i })))
      const fiber = yield* Effect.fork(Effect.all(calls, { concurrency: "unbounded" }))
      yield* TestClock.adjust("20 seconds")
      yield* Fiber.join(fiber)
      const starts = startTimes(yield* Ref.get(module.attempts))
      expect(starts.length).toBe(9)
      for (const at of starts) {
        expect(starts.filter((other) => other >= at && other < at + 1_000).length).toBeLessThanOrEqual(3)
      }
    }).pipe(Effect.provide(layer)))

  it.effect.prop(
    "whatever limits the callers give, no call starts while its own limit of the module's calls is running",
    [FastCheck.array(FastCheck.record({ limit: FastCheck.integer({ min: 1, max: 4 }), ms: FastCheck.integer({ min: 1, max: 50 }) }), { minLength: 1, maxLength: 16 })],
    ([calls]) =>
      Effect.gen(function*() {
        const limit = yield* makeConcurrencyLimit
        const running = yield* Ref.make(0)
        const violations = yield* Ref.make(0)
        const one = (call: { readonly limit: number; readonly ms: number }) =>
          limit.withPermit(call.limit)(
            Effect.gen(function*() {
              const before = yield* Ref.getAndUpdate(running, (n) => n + 1)
              if (before >= call.limit) yield* Ref.update(violations, (n) => n + 1)
              yield* Effect.sleep(call.ms)
              yield* Ref.update(running, (n) => n - 1)
            })
          )
        const fiber = yield* Effect.fork(Effect.all(calls.map(one), { concurrency: "unbounded" }))
        yield* TestClock.adjust("10 seconds")
        yield* Fiber.join(fiber)
        expect(yield* Ref.get(violations)).toBe(0)
        expect(yield* limit.inFlight).toBe(0)
      }),
    { fastCheck: { numRuns: 50, seed: 9 } }
  )

  it.effect("a caller interrupted while it waits gives its place back", () =>
    Effect.gen(function*() {
      const limit = yield* makeConcurrencyLimit
      const holder = yield* Effect.fork(limit.withPermit(1)(Effect.sleep(1_000)))
      yield* TestClock.adjust(1)
      const waiter = yield* Effect.fork(limit.withPermit(1)(Effect.void))
      yield* TestClock.adjust(1)
      yield* Fiber.interrupt(waiter)
      yield* TestClock.adjust(2_000)
      yield* Fiber.join(holder)
      expect(yield* limit.inFlight).toBe(0)
      yield* limit.withPermit(1)(Effect.void)
    }))
})
