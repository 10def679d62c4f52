/**
 * The retry policy of one workflow move as a value: its waits, its bound on attempts, and a retry
 * driven by it on the TestClock.
 */
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Duration, Effect, Fiber, Ref, Schedule, TestClock } from "effect"
import { moveRetry } from "../../src/workflow/WorkflowMove.js"

describe("WorkflowMove.moveRetry", () => {
  it.effect("waits 100 ms, doubling, each wait capped at 2 s, for attempts - 1 retries", () =>
    Effect.gen(function*() {
      // `Schedule.run` also emits the output of the step that stops the schedule (a zero delay).
      const delays = yield* Schedule.run(Schedule.delays(moveRetry(9)), 0, Array.from({ length: 20 }, (_, i) => i))
      expect(Chunk.toReadonlyArray(delays).map(Duration.toMillis)).toEqual([100, 200, 400, 800, 1600, 2000, 2000, 2000, 0])
    }))

  it.effect("one attempt means no retry", () =>
    Effect.gen(function*() {
      const delays = yield* Schedule.run(Schedule.delays(moveRetry(1)), 0, [1, 2, 3])
      expect(Chunk.toReadonlyArray(delays).map(Duration.toMillis)).toEqual([0])
    }))

  it.effect("a retry under it makes exactly `attempts` tries and waits between them on the clock", () =>
    Effect.gen(function*() {
      const tries = yield* Ref.make(0)
      const fiber = yield* Effect.fork(Effect.retry(Effect.zipRight(Ref.update(tries, (n) => n + 1), Effect.fail("down")), moveRetry(4)))
      yield* TestClock.adjust(Duration.millis(299))
      expect(yield* Ref.get(tries)).toBe(2)
      yield* TestClock.adjust(Duration.millis(1))
      expect(yield* Ref.get(tries)).toBe(3)
      yield* TestClock.adjust(Duration.seconds(1))
      expect(yield* Ref.get(tries)).toBe(4)
      const exit = yield* Fiber.await(fiber)
      expect(exit._tag).toBe("Failure")
    }))
})
