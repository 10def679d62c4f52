import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Fiber, Option, TestClock } from "effect"
import { CallPolicies, layer } from "../../src/resilience/CallPolicies.js"
import { summary } from "../../src/resilience/CallReport.js"
import { fail, isBoom, ok, options, request, run, scripted, slow, slowFail } from "./Scripted.js"

describe("CallPolicies: fallback", () => {
  it.effect("the fallback answers once retries are exhausted, and keeps the error it replaced", () =>
    Effect.gen(function*() {
      const module = yield* scripted([], fail(503))
      const report = yield* run(request(module.call, options({ retry: 2, fallback: "neutral" })))
      expect(yield* module.count).toBe(3)
      expect(report.result).toEqual(Either.right("neutral"))
      expect(report.source).toBe("fallback")
      expect(Option.map(report.recovered, (e) => e._tag)).toEqual(Option.some("Boom"))
      expect(summary(report)).toBe("ok from fallback after 3 attempts")
    }).pipe(Effect.provide(layer)))

  it.effect("a fallback that is not of the output type is not used", () =>
    Effect.gen(function*() {
      const module = yield* scripted([fail(503)])
      const report = yield* run(request(module.call, options({ fallback: { sentiment: "neutral" } })))
      expect(Either.isLeft(report.result)).toBe(true)
    }).pipe(Effect.provide(layer)))

  it.effect("fallback and errors are never cached; the next success is", () =>
    Effect.gen(function*() {
      const module = yield* scripted([fail(503), fail(400), ok("real")])
      const opts = options({ cache: "5min", fallback: "neutral" })
      const first = yield* run(request(module.call, opts))
      const second = yield* run(request(module.call, opts))
      const third = yield* run(request(module.call, opts))
      const fourth = yield* run(request(module.call, opts))
      expect([first.source, second.source, third.source, fourth.source]).toEqual(["fallback", "fallback", "call", "cache"])
      expect(fourth.result).toEqual(Either.right("real"))
      expect(yield* module.count).toBe(3)
    }).pipe(Effect.provide(layer)))

  it.effect("errors without a fallback are not cached either", () =>
    Effect.gen(function*() {
      const module = yield* scripted([fail(503)], ok("fine"))
      const opts = options({ cache: "5min" })
      expect(Either.isLeft((yield* run(request(module.call, opts))).result)).toBe(true)
      expect((yield* run(request(module.call, opts))).result).toEqual(Either.right("fine"))
      expect(yield* module.count).toBe(2)
    }).pipe(Effect.provide(layer)))
})

describe("CallPolicies: cache", () => {
  it.effect("answers from the cache until the TTL expires", () =>
    Effect.gen(function*() {
      const module = yield* scripted([ok("v1"), ok("v2")])
      const opts = options({ cache: "1min" })
      expect((yield* run(request(module.call, opts))).result).toEqual(Either.right("v1"))
      yield* TestClock.adjust("59 seconds")
      const hit = yield* run(request(module.call, opts))
      expect([hit.source, hit.attempts.length]).toEqual(["cache", 0])
      expect(summary(hit)).toBe("ok from cache")
      yield* TestClock.adjust("1 second")
      const miss = yield* run(request(module.call, opts))
      expect([miss.source, miss.result]).toEqual(["call", Either.right("v2")])
      expect(yield* module.count).toBe(2)
    }).pipe(Effect.provide(layer)))

  it.effect("the key is the module plus the canonical input: key order does not matter, values do", () =>
    Effect.gen(function*() {
      const module = yield* scripted([ok("a"), ok("b"), ok("c")])
      const opts = options({ cache: "1min" })
      yield* run(request(module.call, opts, { text: "hi", lang: "en" }))
      expect((yield* run(request(module.call, opts, { lang: "en", text: "hi" }))).source).toBe("cache")
      expect((yield* run(request(module.call, opts, { lang: "pl", text: "hi" }))).source).toBe("call")
      expect((yield* run(request(module.call, opts, { text: "hi", lang: "en" }, "Other"))).source).toBe("call")
      expect(yield* module.count).toBe(3)
    }).pipe(Effect.provide(layer)))

  it.effect("N concurrent identical calls send one request and all get its answer", () =>
    Effect.gen(function*() {
      const module = yield* scripted([slow(100, "shared")], ok("second request"))
      const opts = options({ cache: "1min" })
      const fiber = yield* Effect.fork(Effect.all(Array.from({ length: 5 }, () => run(request(module.call, opts))), { concurrency: "unbounded" }))
      yield* TestClock.adjust("100 millis")
      const reports = yield* Fiber.join(fiber)
      expect(yield* module.count).toBe(1)
      expect(reports.map((r) => r.result)).toEqual(Array.from({ length: 5 }, () => Either.right("shared")))
      expect(reports.filter((r) => r.shared).length).toBe(4)
      expect(new Set(reports.map((r) => r.executionId)).size).toBe(1)
    }).pipe(Effect.provide(layer)))

  it.effect("a failure in flight is shared too, and not cached", () =>
    Effect.gen(function*() {
      const module = yield* scripted([slowFail(100, 503)], ok("later"))
      const failing = module.call
      const opts = options({ cache: "1min" })
      const fiber = yield* Effect.fork(Effect.all(Array.from({ length: 3 }, () => run(request(failing, opts))), { concurrency: "unbounded" }))
      yield* TestClock.adjust("100 millis")
      const reports = yield* Fiber.join(fiber)
      expect(reports.every((r) => Either.isLeft(r.result))).toBe(true)
      expect(yield* module.count).toBe(1)
      expect((yield* run(request(failing, opts))).source).toBe("call")
    }).pipe(Effect.provide(layer)))

  it.effect("a caller interrupted while leading does not strand the callers that joined it", () =>
    Effect.gen(function*() {
      const module = yield* scripted([slow(100, "first")], slow(100, "second"))
      const opts = options({ cache: "1min" })
      const leader = yield* Effect.fork(run(request(module.call, opts)))
      yield* TestClock.adjust("10 millis")
      const follower = yield* Effect.fork(run(request(module.call, opts)))
      yield* TestClock.adjust("10 millis")
      yield* Fiber.interrupt(leader)
      yield* TestClock.adjust("1 second")
      const report = yield* Fiber.join(follower)
      expect(report.result).toEqual(Either.right("second"))
      expect(yield* module.count).toBe(2)
    }).pipe(Effect.provide(layer)))

  it.effect("invalidate drops a module's cached answers", () =>
    Effect.gen(function*() {
      const module = yield* scripted([ok("v1"), ok("v2")])
      const opts = options({ cache: "1h" })
      yield* run(request(module.call, opts))
      yield* Effect.flatMap(CallPolicies, (p) => p.invalidate("Sentiment"))
      expect((yield* run(request(module.call, opts))).result).toEqual(Either.right("v2"))
    }).pipe(Effect.provide(layer)))

  it.effect("a cached value another caller cannot use is a miss for it, not a wrong type", () =>
    Effect.gen(function*() {
      const module = yield* scripted([ok("text answer")])
      const opts = options({ cache: "1h" })
      yield* run(request(module.call, opts))
      const numbers = yield* Effect.flatMap(CallPolicies, (p) =>
        p.run({
          module: "Sentiment",
          options: opts,
          input: { text: "hello" },
          call: () => Effect.succeed(42),
          isOutput: (u): u is number => typeof u === "number",
          isError: isBoom
        }))
      expect([numbers.source, numbers.result]).toEqual(["call", Either.right(42)])
    }).pipe(Effect.provide(layer)))
})
