import { describe, expect, it } from "@effect/vitest"
import { Chunk, Duration, Effect, FastCheck, Option, Schedule } from "effect"
import { backoffDelayMillis, retryAfterField, type RetryOptions, retrySchedule } from "../../src/resilience/RetrySchedule.js"

interface Failure {
  readonly retryable: boolean
  readonly retryAfterMs?: number
}

const classifier = {
  isRetryable: (error: Failure) => error.retryable,
  retryAfter: (error: Failure) => retryAfterField(error)
}

/** The waits the schedule asks for, fed `errors` one after another, until it stops. */
const delaysOf = (options: RetryOptions, errors: ReadonlyArray<Failure>) =>
  Effect.map(
    Schedule.run(Schedule.delays(retrySchedule(options, classifier)), 0, errors),
    (delays) => Chunk.toReadonlyArray(delays).map(Duration.toMillis)
  )

const base: RetryOptions = { retry: 4, delay: 100, backoff: "exponential", max_delay: 30_000, jitter: false }
const failing = (n: number): ReadonlyArray<Failure> => Array.from({ length: n }, () => ({ retryable: true }))

describe("retrySchedule", () => {
  it.effect("exponential, linear and fixed backoff from `delay`", () =>
    Effect.gen(function*() {
      expect((yield* delaysOf(base, failing(5))).slice(0, 4)).toEqual([100, 200, 400, 800])
      expect((yield* delaysOf({ ...base, backoff: "linear" }, failing(5))).slice(0, 4)).toEqual([100, 200, 300, 400])
      expect((yield* delaysOf({ ...base, backoff: "fixed" }, failing(5))).slice(0, 4)).toEqual([100, 100, 100, 100])
      expect((yield* delaysOf({ retry: 2, max_delay: 30_000, jitter: true }, failing(3))).slice(0, 2)).toEqual([0, 0])
    }))

  it.effect("recurs exactly `retry` times, then stops", () =>
    Effect.gen(function*() {
      const outputs = yield* Schedule.run(retrySchedule(base, classifier), 0, failing(10))
      // run() also returns the output of the step that said "done".
      expect(Chunk.size(outputs)).toBe(5)
    }))

  it.effect("stops at the first error the classifier refuses", () =>
    Effect.gen(function*() {
      const outputs = yield* Schedule.run(retrySchedule(base, classifier), 0, [
        { retryable: true },
        { retryable: false },
        { retryable: true }
      ])
      expect(Chunk.size(outputs)).toBe(2)
    }))

  it.effect("Retry-After raises the wait but never lowers it; beyond max_delay it stops", () =>
    Effect.gen(function*() {
      const delays = yield* delaysOf({ ...base, max_delay: 10_000 }, [
        { retryable: true, retryAfterMs: 3_000 },
        { retryable: true, retryAfterMs: 50 },
        { retryable: true, retryAfterMs: 60_000 },
        { retryable: true }
      ])
      expect(delays).toEqual([3_000, 200, 0])
    }))

  it("backoffDelayMillis is the nominal wait", () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffDelayMillis({ ...base, max_delay: 500 }, n))).toEqual([100, 200, 400, 500, 500])
  })

  it("retryAfterField reads a finite, non-negative retryAfterMs only", () => {
    expect(retryAfterField({ retryAfterMs: 1_000 })).toEqual(Option.some(1_000))
    expect(retryAfterField({ retryAfterMs: -1 })).toEqual(Option.none())
    expect(retryAfterField({ retryAfterMs: "1000" })).toEqual(Option.none())
    expect(retryAfterField(null)).toEqual(Option.none())
  })

})

const policy = FastCheck.record({
  retry: FastCheck.integer({ min: 0, max: 12 }),
  delay: FastCheck.integer({ min: 0, max: 5_000 }),
  backoff: FastCheck.constantFrom("fixed" as const, "linear" as const, "exponential" as const),
  max_delay: FastCheck.integer({ min: 0, max: 60_000 }),
  jitter: FastCheck.boolean()
})

describe("retrySchedule properties", () => {
  it.effect.prop("without jitter: each wait is the capped backoff, non-decreasing, never above max_delay", [policy], ([options]) =>
    Effect.gen(function*() {
      const delays = (yield* delaysOf(options, failing(options.retry + 1))).slice(0, options.retry)
      expect(delays.length).toBe(options.retry)
      const expected = delays.map((_, i) => backoffDelayMillis({ ...options, jitter: false }, i + 1))
      if (!options.jitter) {
        expect(delays).toEqual(expected)
        delays.slice(1).forEach((delay, i) => expect(delay).toBeGreaterThanOrEqual(delays[i] ?? 0))
      } else {
        delays.forEach((delay, i) => {
          const nominal = expected[i] ?? 0
          expect(delay).toBeGreaterThanOrEqual(nominal * 0.8 - 1e-6)
          expect(delay).toBeLessThanOrEqual(Math.min(nominal * 1.2, options.max_delay) + 1e-6)
        })
      }
      delays.forEach((delay) => expect(delay).toBeLessThanOrEqual(options.max_delay))
    }))

  it.effect.prop(
    "never more than `retry` recurrences, whatever the errors",
    [policy, FastCheck.array(FastCheck.record({ retryable: FastCheck.boolean() }), { minLength: 1, maxLength: 20 })],
    ([options, errors]) =>
      Effect.gen(function*() {
        const outputs = yield* Schedule.run(retrySchedule(options, classifier), 0, errors)
        const firstRefused = errors.findIndex((e) => !e.retryable)
        const limit = Math.min(options.retry, firstRefused === -1 ? errors.length : firstRefused)
        // The outputs are one per recurrence plus the stop (when the errors ran out first there is no stop).
        expect(Chunk.size(outputs) - 1).toBeLessThanOrEqual(options.retry)
        expect(Chunk.size(outputs)).toBe(Math.min(limit + 1, errors.length))
      })
  )
})
