import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Fiber, Option, Ref, TestClock } from "effect"
import { applyCallOptions, layer } from "../../src/resilience/CallPolicies.js"
import { type AttemptContext, summary } from "../../src/resilience/CallReport.js"
import { Timeout } from "../../src/resilience/ResilienceErrors.js"
import { Boom, fail, gaps, hang, isBoom, isString, ok, options, request, run, scripted, slow, startTimes, transient } from "./Scripted.js"

describe("CallPolicies: retry", () => {
  it.effect("no options: one attempt, the error as it is", () =>
    Effect.gen(function*() {
      const module = yield* scripted([fail(503)])
      const report = yield* run(request(module.call, options({})))
      expect(yield* module.count).toBe(1)
      expect(Either.getLeft(report.result).pipe(Option.map((e) => e._tag))).toEqual(Option.some("Boom"))
      expect(report.attempts.map((a) => a.outcome)).toEqual(["failure"])
    }).pipe(Effect.provide(layer)))

  it.effect("retry: N makes N+1 attempts against a module that keeps failing", () =>
    Effect.gen(function*() {
      const module = yield* scripted([], fail(503))
      const report = yield* run(request(module.call, options({ retry: 3 })))
      expect(yield* module.count).toBe(4)
      expect(report.attempts.map((a) => a.attempt)).toEqual([1, 2, 3, 4])
      expect(Either.isLeft(report.result)).toBe(true)
      expect(summary(report)).toBe("failed from module after 4 attempts")
    }).pipe(Effect.provide(layer)))

  it.effect("stops retrying at the first success", () =>
    Effect.gen(function*() {
      const module = yield* scripted([fail(503), fail(502), ok("positive")])
      const report = yield* run(request(module.call, options({ retry: 5 })))
      expect(report.result).toEqual(Either.right("positive"))
      expect(report.attempts.map((a) => a.outcome)).toEqual(["failure", "failure", "success"])
      expect(summary(report)).toBe("ok from module after 3 attempts")
    }).pipe(Effect.provide(layer)))

  it.effect("never retries an error the classifier refuses (4xx)", () =>
    Effect.gen(function*() {
      const module = yield* scripted([fail(400)], ok("never"))
      const report = yield* run(request(module.call, options({ retry: 3 })))
      expect(yield* module.count).toBe(1)
      expect(Either.isLeft(report.result)).toBe(true)
    }).pipe(Effect.provide(layer)))

  it.effect("every attempt carries the same execution id and its own number", () =>
    Effect.gen(function*() {
      const module = yield* scripted([fail(503), fail(503)], ok("x"))
      const report = yield* run(request(module.call, options({ retry: 2 })))
      const attempts = yield* Ref.get(module.attempts)
      expect(new Set(attempts.map((a) => a.executionId))).toEqual(new Set([report.executionId]))
      expect(attempts.map((a) => [a.attempt, a.maxAttempts])).toEqual([[1, 3], [2, 3], [3, 3]])
    }).pipe(Effect.provide(layer)))

  it.effect("a caller-provided execution id is used as is", () =>
    Effect.gen(function*() {
      const module = yield* scripted([ok("x")])
      const report = yield* run({ ...request(module.call, options({})), executionId: "exec-1" })
      expect(report.executionId).toBe("exec-1")
      expect((yield* Ref.get(module.attempts))[0]?.executionId).toBe("exec-1")
    }).pipe(Effect.provide(layer)))

  const backoffCases = [
    { backoff: "fixed", expected: [100, 100, 100, 100] },
    { backoff: "linear", expected: [100, 200, 300, 400] },
    { backoff: "exponential", expected: [100, 200, 400, 800] }
  ] as const
  for (const { backoff, expected } of backoffCases) {
    it.effect(`the waits between attempts follow ${backoff} backoff`, () =>
      Effect.gen(function*() {
        const module = yield* scripted([], fail(503))
        const fiber = yield* Effect.fork(run(request(module.call, options({ retry: 4, delay: "100ms", backoff, jitter: false }))))
        yield* TestClock.adjust("1 hour")
        yield* Fiber.join(fiber)
        expect(gaps(yield* Ref.get(module.attempts))).toEqual(expected)
      }).pipe(Effect.provide(layer)))
  }

  it.effect("waits are capped at max_delay", () =>
    Effect.gen(function*() {
      const module = yield* scripted([], fail(503))
      const fiber = yield* Effect.fork(
        run(request(module.call, options({ retry: 5, delay: "100ms", backoff: "exponential", max_delay: "300ms", jitter: false })))
      )
      yield* TestClock.adjust("1 hour")
      yield* Fiber.join(fiber)
      expect(gaps(yield* Ref.get(module.attempts))).toEqual([100, 200, 300, 300, 300])
    }).pipe(Effect.provide(layer)))

  it.effect("jittered waits stay within [0.8, 1.2] of the backoff and under max_delay", () =>
    Effect.gen(function*() {
      const module = yield* scripted([], fail(503))
      const fiber = yield* Effect.fork(
        run(request(module.call, options({ retry: 6, delay: "100ms", backoff: "exponential", max_delay: "1s" })))
      )
      yield* TestClock.adjust("1 hour")
      yield* Fiber.join(fiber)
      const nominal = [100, 200, 400, 800, 1000, 1000]
      // Jittered waits are fractional, so gaps read off the clock carry float error: compare with a tolerance.
      gaps(yield* Ref.get(module.attempts)).forEach((gap, i) => {
        const base = nominal[i] ?? 0
        expect(gap).toBeGreaterThanOrEqual(Math.floor(base * 0.8) - 1e-6)
        expect(gap).toBeLessThanOrEqual(Math.min(Math.ceil(base * 1.2), 1000) + 1e-6)
      })
    }).pipe(Effect.provide(layer)))

  it.effect("a Retry-After longer than the backoff is honoured", () =>
    Effect.gen(function*() {
      const module = yield* scripted([fail(503, 5_000), fail(429, 2_000)], ok("finally"))
      const fiber = yield* Effect.fork(run(request(module.call, options({ retry: 3, delay: "100ms", jitter: false }))))
      yield* TestClock.adjust("4999 millis")
      expect(yield* module.count).toBe(1)
      yield* TestClock.adjust("1 millis")
      expect(yield* module.count).toBe(2)
      yield* TestClock.adjust("1 hour")
      const report = yield* Fiber.join(fiber)
      expect(startTimes(yield* Ref.get(module.attempts))).toEqual([0, 5_000, 7_000])
      expect(report.result).toEqual(Either.right("finally"))
    }).pipe(Effect.provide(layer)))

  it.effect("a Retry-After beyond max_delay stops retrying instead of hammering early", () =>
    Effect.gen(function*() {
      const module = yield* scripted([fail(503, 120_000)], ok("too late"))
      const report = yield* run(request(module.call, options({ retry: 3, delay: "100ms" })))
      expect(yield* module.count).toBe(1)
      expect(Either.isLeft(report.result)).toBe(true)
    }).pipe(Effect.provide(layer)))
})

describe("CallPolicies: timeout", () => {
  it.effect("timeout applies to each attempt and the attempt learns its deadline", () =>
    Effect.gen(function*() {
      const module = yield* scripted([], hang)
      const fiber = yield* Effect.fork(run(request(module.call, options({ retry: 2, timeout: "2s" }))))
      yield* TestClock.adjust("1999 millis")
      expect(yield* module.count).toBe(1)
      yield* TestClock.adjust("1 millis")
      expect(yield* module.count).toBe(2)
      yield* TestClock.adjust("4 seconds")
      const report = yield* Fiber.join(fiber)
      const attempts = yield* Ref.get(module.attempts)
      expect(startTimes(attempts)).toEqual([0, 2_000, 4_000])
      expect(attempts.map((a) => [Option.getOrNull(a.timeoutMs), Option.getOrNull(a.deadlineMs)])).toEqual([
        [2_000, 2_000],
        [2_000, 4_000],
        [2_000, 6_000]
      ])
      expect(report.attempts.map((a) => [a.outcome, a.durationMs])).toEqual([
        ["timeout", 2_000],
        ["timeout", 2_000],
        ["timeout", 2_000]
      ])
      const error = Either.getLeft(report.result).pipe(Option.getOrThrow)
      expect(error).toBeInstanceOf(Timeout)
      expect(error.message).toContain(`Module "Sentiment" did not answer within 2s (attempt 3 of 3`)
      expect(error.message).toContain("raise the `timeout` call option")
    }).pipe(Effect.provide(layer)))

  it.effect("timeLeftMs counts down from the attempt's timeout", () =>
    Effect.gen(function*() {
      const seen = yield* Ref.make<ReadonlyArray<number | null>>([])
      const call = (context: AttemptContext) =>
        Effect.gen(function*() {
          const left = yield* context.timeLeftMs
          yield* Ref.update(seen, (all) => [...all, Option.getOrNull(left)])
          return "x"
        })
      yield* run(request(call, options({ timeout: "1500ms" })))
      expect(yield* Ref.get(seen)).toEqual([1_500])
    }).pipe(Effect.provide(layer)))

  it.effect("an attempt that answers in time is not cut", () =>
    Effect.gen(function*() {
      const module = yield* scripted([slow(1_900, "just in time")])
      const fiber = yield* Effect.fork(run(request(module.call, options({ timeout: "2s" }))))
      yield* TestClock.adjust("2 seconds")
      expect((yield* Fiber.join(fiber)).result).toEqual(Either.right("just in time"))
    }).pipe(Effect.provide(layer)))
})

describe("CallPolicies: concurrency", () => {
  it.effect("never more calls of a module in flight than the limit, across all callers", () =>
    Effect.gen(function*() {
      const module = yield* scripted([], slow(100, "ok"))
      const calls = Array.from({ length: 10 }, (_, i) => run(request(module.call, options({ concurrency: 3 }), { i })))
      const fiber = yield* Effect.fork(Effect.all(calls, { concurrency: "unbounded" }))
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(fiber)
      expect(yield* Ref.get(module.maxInFlight)).toBe(3)
      expect(startTimes(yield* Ref.get(module.attempts))).toEqual([0, 0, 0, 100, 100, 100, 200, 200, 200, 300])
    }).pipe(Effect.provide(layer)))

  it.effect("the limit is per module: another module is not held back", () =>
    Effect.gen(function*() {
      const module = yield* scripted([], slow(100, "ok"))
      const calls = Array.from({ length: 4 }, (_, i) => run(request(module.call, options({ concurrency: 1 }), { i }, `M${i % 2}`)))
      const fiber = yield* Effect.fork(Effect.all(calls, { concurrency: "unbounded" }))
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(fiber)
      expect(yield* Ref.get(module.maxInFlight)).toBe(2)
    }).pipe(Effect.provide(layer)))
})

describe("CallPolicies: throttle", () => {
  it.effect("N/duration: callers over the rate wait for a slot instead of failing", () =>
    Effect.gen(function*() {
      const module = yield* scripted([], ok("ok"))
      const calls = Array.from({ length: 5 }, (_, i) => run(request(module.call, options({ throttle: "2/1s" }), { i })))
      const fiber = yield* Effect.fork(Effect.all(calls, { concurrency: "unbounded" }))
      yield* TestClock.adjust("10 seconds")
      const reports = yield* Fiber.join(fiber)
      expect(reports.every((r) => Either.isRight(r.result))).toBe(true)
      expect(startTimes(yield* Ref.get(module.attempts))).toEqual([0, 0, 1_000, 1_000, 2_000])
    }).pipe(Effect.provide(layer)))
})

describe("CallPolicies: on_error", () => {
  it.effect("propagate fails with the call's error", () =>
    Effect.gen(function*() {
      const module = yield* scripted([fail(503)])
      const error = yield* Effect.flip(
        applyCallOptions("Sentiment", options({ on_error: "propagate" }), module.call, { input: {}, isOutput: isString, isError: isBoom })
      )
      expect(error).toBeInstanceOf(Boom)
    }).pipe(Effect.provide(layer)))

  it.effect("skip succeeds with none on failure and some on success", () =>
    Effect.gen(function*() {
      const module = yield* scripted([fail(503), ok("yes")])
      const hooks = { input: {}, isOutput: isString, isError: isBoom, isRetryable: transient }
      const failed = yield* applyCallOptions("Sentiment", options({ on_error: "skip" }), module.call, hooks)
      const passed = yield* applyCallOptions("Sentiment", options({ on_error: "skip" }), module.call, hooks)
      expect(failed._tag === "Optional" && failed.value).toEqual(Option.none())
      expect(passed._tag === "Optional" && passed.value).toEqual(Option.some("yes"))
    }).pipe(Effect.provide(layer)))

  it.effect("wrap succeeds with { ok: false, error } or { ok: true, value }", () =>
    Effect.gen(function*() {
      const module = yield* scripted([fail(400), ok("yes")])
      const hooks = { input: {}, isOutput: isString, isError: isBoom }
      const failed = yield* applyCallOptions("Sentiment", options({ on_error: "wrap" }), module.call, hooks)
      const passed = yield* applyCallOptions("Sentiment", options({ on_error: "wrap" }), module.call, hooks)
      expect(failed._tag === "Wrapped" && failed.value.ok === false && failed.value.error).toBeInstanceOf(Boom)
      expect(passed._tag === "Wrapped" && passed.value).toEqual({ ok: true, value: "yes" })
    }).pipe(Effect.provide(layer)))
})

describe("CallPolicies: all options together", () => {
  it.effect("throttle, concurrency, cache, fallback, retry and timeout compose in the contract's order", () =>
    Effect.gen(function*() {
      // Attempts: hang (timeout), 503, then "fresh"; later calls are served from the cache.
      const module = yield* scripted([hang, fail(503)], slow(50, "fresh"))
      const opts = options({
        throttle: "10/1s",
        concurrency: 2,
        cache: "5min",
        fallback: "neutral",
        retry: 3,
        delay: "100ms",
        backoff: "exponential",
        jitter: false,
        timeout: "1s"
      })
      const calls = Array.from({ length: 4 }, () => run(request(module.call, opts)))
      const fiber = yield* Effect.fork(Effect.all(calls, { concurrency: "unbounded" }))
      yield* TestClock.adjust("1 minute")
      const reports = yield* Fiber.join(fiber)
      // One request for all four identical calls: one joined it in flight, two waited for a permit and hit the cache.
      expect(yield* module.count).toBe(3)
      expect(reports.map((r) => r.result)).toEqual(Array.from({ length: 4 }, () => Either.right("fresh")))
      expect(reports[0]?.attempts.map((a) => a.outcome)).toEqual(["timeout", "failure", "success"])
      expect(startTimes(yield* Ref.get(module.attempts))).toEqual([0, 1_100, 1_300])
      expect(reports.map((r) => r.source).sort()).toEqual(["cache", "cache", "call", "call"])
      expect(yield* Ref.get(module.maxInFlight)).toBe(1)
    }).pipe(Effect.provide(layer)))
})
