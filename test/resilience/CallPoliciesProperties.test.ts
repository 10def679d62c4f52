import { describe, expect, it } from "@effect/vitest"
import { Clock, Effect, Either, FastCheck, Fiber, TestClock } from "effect"
import { layer } from "../../src/resilience/CallPolicies.js"
import { fail, hang, ok, options, request, run, scripted, type Step } from "./Scripted.js"

const step: FastCheck.Arbitrary<Step> = FastCheck.oneof(
  FastCheck.constant(ok("fine")),
  FastCheck.constant(fail(503)),
  FastCheck.constant(fail(500)),
  FastCheck.constant(fail(400)),
  FastCheck.integer({ min: 0, max: 3_000 }).map((ms) => fail(429, ms)),
  FastCheck.constant(hang)
)

const retryPolicy = FastCheck.record({
  retry: FastCheck.integer({ min: 0, max: 6 }),
  delay: FastCheck.integer({ min: 0, max: 2_000 }).map((ms) => `${ms}ms`),
  backoff: FastCheck.constantFrom("fixed" as const, "linear" as const, "exponential" as const),
  max_delay: FastCheck.integer({ min: 0, max: 5_000 }).map((ms) => `${ms}ms`),
  jitter: FastCheck.boolean(),
  timeout: FastCheck.integer({ min: 1, max: 5_000 }).map((ms) => `${ms}ms`)
})

describe("CallPolicies properties", () => {
  it.effect.prop(
    "attempts never exceed retry + 1, each is recorded once, and retryable failures use them all",
    [retryPolicy, FastCheck.array(step, { maxLength: 10 })],
    ([policy, script]) =>
      Effect.gen(function*() {
        const module = yield* scripted(script, fail(503))
        const fiber = yield* Effect.fork(run(request(module.call, options(policy))))
        yield* TestClock.adjust("1 day")
        const report = yield* Fiber.join(fiber)
        expect(report.attempts.length).toBeLessThanOrEqual(policy.retry + 1)
        expect(yield* module.count).toBe(report.attempts.length)
        expect(report.attempts.map((a) => a.attempt)).toEqual(report.attempts.map((_, i) => i + 1))
        const played = [...script, ...Array.from({ length: policy.retry + 1 }, () => fail(503))].slice(0, policy.retry + 1)
        const allRetryable = played.every((s) =>
          s._tag === "hang" || (s._tag === "fail" && s.error.status !== 400 && (s.error.retryAfterMs ?? 0) <= Number.parseInt(policy.max_delay, 10))
        )
        if (allRetryable) expect(report.attempts.length).toBe(policy.retry + 1)
      }).pipe(Effect.provide(layer))
  )

  const session = FastCheck.array(
    FastCheck.record({
      outcome: FastCheck.constantFrom("ok", "fail503", "fail400"),
      waitMs: FastCheck.integer({ min: 0, max: 90_000 })
    }),
    { minLength: 1, maxLength: 15 }
  )

  it.effect.prop(
    "a cached answer is always the module's last success within the TTL, never an error or a fallback",
    [session, FastCheck.integer({ min: 0, max: 2 }), FastCheck.integer({ min: 1, max: 60 })],
    ([calls, retry, ttlSeconds]) =>
      Effect.gen(function*() {
        const opts = options({ cache: `${ttlSeconds}s`, fallback: "FALLBACK", retry })
        let lastSuccess: { value: string; at: number } | undefined
        for (let i = 0; i < calls.length; i++) {
          const { outcome, waitMs } = calls[i] ?? { outcome: "ok", waitMs: 0 }
          yield* TestClock.adjust(waitMs)
          const module = yield* scripted([], outcome === "ok" ? ok(`value-${i}`) : fail(outcome === "fail503" ? 503 : 400))
          const report = yield* run(request(module.call, opts))
          const now = yield* Clock.currentTimeMillis
          const fresh = lastSuccess !== undefined && now - lastSuccess.at < ttlSeconds * 1_000
          expect(report.source === "cache").toBe(fresh)
          if (report.source === "cache") {
            expect(Either.isRight(report.result)).toBe(true)
            expect(report.attempts).toEqual([])
            expect(lastSuccess).toBeDefined()
            expect(report.result).toEqual(Either.right(lastSuccess?.value))
            expect(now - (lastSuccess?.at ?? -Infinity)).toBeLessThan(ttlSeconds * 1_000)
          }
          if (report.source === "call" && Either.isRight(report.result)) lastSuccess = { value: report.result.right, at: now }
          if (report.source !== "fallback") expect(report.result).not.toEqual(Either.right("FALLBACK"))
        }
      }).pipe(Effect.provide(layer))
  )
})
