import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Ref, TestClock } from "effect"
import { awaitReady } from "../../src/supervisor/Probe.js"

describe("awaitReady", () => {
  it.effect("a check cut short by the deadline still reports the answer an earlier check gave", () =>
    Effect.gen(function*() {
      const calls = yield* Ref.make(0)
      // The first check answers 503 at once; every later one hangs (a loaded machine).
      const check = Effect.flatMap(Ref.getAndUpdate(calls, (n) => n + 1), (n) =>
        n === 0 ? Effect.fail("answered 503") : Effect.never)
      const fiber = yield* Effect.fork(Effect.flip(awaitReady(check, 1_000, "no answer yet")))
      yield* TestClock.adjust("2 seconds")
      expect(yield* Fiber.join(fiber)).toBe("answered 503")
      expect(yield* Ref.get(calls)).toBe(2)
    }))

  it.effect("says nothing answered when no check ever did", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Effect.flip(awaitReady(Effect.never, 1_000, "no answer yet")))
      yield* TestClock.adjust("2 seconds")
      expect(yield* Fiber.join(fiber)).toBe("no answer yet")
    }))

  it.effect("succeeds as soon as a check does", () =>
    Effect.gen(function*() {
      const calls = yield* Ref.make(0)
      const check = Effect.flatMap(Ref.getAndUpdate(calls, (n) => n + 1), (n) =>
        n < 3 ? Effect.fail("answered 503") : Effect.void)
      const fiber = yield* Effect.fork(awaitReady(check, 1_000, "no answer yet"))
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(fiber)
      expect(yield* Ref.get(calls)).toBe(4)
    }))
})
