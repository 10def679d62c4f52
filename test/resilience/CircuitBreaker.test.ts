import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Fiber, Option, Ref, TestClock } from "effect"
import { CallPolicies, layer } from "../../src/resilience/CallPolicies.js"
import { admit, BreakerState, initialBreakerState, record } from "../../src/resilience/CircuitBreaker.js"
import { CircuitOpen } from "../../src/resilience/ResilienceErrors.js"
import { summary } from "../../src/resilience/CallReport.js"
import { fail, ok, options, request, run, scripted, slow } from "./Scripted.js"

const breakerOf = (module: string) => Effect.flatMap(CallPolicies, (p) => p.breaker(module))
const tagOf = <A, E extends { readonly _tag: string }>(result: Either.Either<A, E>) =>
  Either.match(result, { onLeft: (e) => e._tag, onRight: () => "ok" })

describe("circuit breaker transitions (pure)", () => {
  const options = { failures: 2, reset: 1_000, half_open_probes: 1 }

  it("closed → open after N consecutive failures; a success in between resets the count", () => {
    let state = initialBreakerState
    state = record(state, { probe: false }, "failure", 0, options)
    state = record(state, { probe: false }, "success", 1, options)
    state = record(state, { probe: false }, "failure", 2, options)
    expect(state).toEqual(BreakerState.Closed({ failures: 1 }))
    state = record(state, { probe: false }, "failure", 3, options)
    expect(state).toEqual(BreakerState.Open({ openedAtMs: 3, probeAtMs: 1_003, failures: 2 }))
  })

  it("open refuses until the reset has passed, then admits one probe", () => {
    const open = BreakerState.Open({ openedAtMs: 0, probeAtMs: 1_000, failures: 2 })
    expect(admit(open, 999, options)[0]).toEqual({ _tag: "Refuse", state: "open", probeAtMs: 1_000, failures: 2 })
    const [admission, halfOpen] = admit(open, 1_000, options)
    expect(admission).toEqual({ _tag: "Admit", probe: true })
    expect(admit(halfOpen, 1_001, options)[0]._tag).toBe("Refuse")
    expect(record(halfOpen, { probe: true }, "success", 1_010, options)).toEqual(BreakerState.Closed({ failures: 0 }))
    expect(record(halfOpen, { probe: true }, "failure", 1_010, options)).toEqual(
      BreakerState.Open({ openedAtMs: 1_010, probeAtMs: 2_010, failures: 2 })
    )
    expect(record(halfOpen, { probe: true }, "cancelled", 1_010, options)).toEqual(
      BreakerState.HalfOpen({ probing: 0, successes: 0, failures: 2 })
    )
  })

  it("with several half-open probes, all must succeed to close", () => {
    const two = { ...options, half_open_probes: 2 }
    let state: BreakerState = BreakerState.Open({ openedAtMs: 0, probeAtMs: 0, failures: 2 })
    const [first, afterFirst] = admit(state, 0, two)
    const [second, afterSecond] = admit(afterFirst, 0, two)
    expect([first._tag, second._tag, admit(afterSecond, 0, two)[0]._tag]).toEqual(["Admit", "Admit", "Refuse"])
    state = record(afterSecond, { probe: true }, "success", 1, two)
    expect(state._tag).toBe("HalfOpen")
    state = record(state, { probe: true }, "success", 2, two)
    expect(state).toEqual(BreakerState.Closed({ failures: 0 }))
  })

  it("late results of calls admitted before the breaker opened are ignored", () => {
    const open = BreakerState.Open({ openedAtMs: 0, probeAtMs: 1_000, failures: 2 })
    expect(record(open, { probe: false }, "success", 5, options)).toBe(open)
    const halfOpen = BreakerState.HalfOpen({ probing: 1, successes: 0, failures: 2 })
    expect(record(halfOpen, { probe: false }, "failure", 5, options)).toBe(halfOpen)
  })
})

describe("CallPolicies: circuit_breaker", () => {
  const breaker = { circuit_breaker: { failures: 3, reset: "10s" } } as const

  it.effect("opens after N failures, fails fast naming the module and the probe time, probes after reset, closes", () =>
    Effect.gen(function*() {
      const module = yield* scripted([fail(503), fail(503), fail(503)], ok("recovered"))
      const opts = options(breaker)
      for (let i = 0; i < 3; i++) yield* run(request(module.call, opts))
      expect(Option.map(yield* breakerOf("Sentiment"), (b) => [b.state, b.failures, b.probeAtMs])).toEqual(
        Option.some(["open", 3, 10_000])
      )
      const refused = yield* run(request(module.call, opts))
      expect(yield* module.count).toBe(3)
      const error = Either.getLeft(refused.result).pipe(Option.getOrThrow)
      expect(error).toBeInstanceOf(CircuitOpen)
      expect(error.message).toContain(`Module "Sentiment" is failing fast`)
      expect(error.message).toContain("after 3 consecutive failures")
      expect(error.message).toContain("1970-01-01T00:00:10.000Z (in 10s)")
      expect(refused.attempts.map((a) => a.outcome)).toEqual(["circuit-open"])
      // Nothing was sent: the trace line must not claim an attempt (issue 9).
      expect(summary(refused)).toBe("failed from module after 0 attempts")

      yield* TestClock.adjust("10 seconds")
      const probe = yield* run(request(module.call, opts))
      expect(probe.result).toEqual(Either.right("recovered"))
      expect(Option.map(yield* breakerOf("Sentiment"), (b) => b.state)).toEqual(Option.some("closed"))
    }).pipe(Effect.provide(layer)))

  it.effect("a failed probe opens the breaker again for another reset period", () =>
    Effect.gen(function*() {
      const module = yield* scripted([fail(503), fail(503), fail(503), fail(503)], ok("recovered"))
      const opts = options(breaker)
      for (let i = 0; i < 3; i++) yield* run(request(module.call, opts))
      yield* TestClock.adjust("10 seconds")
      expect(tagOf((yield* run(request(module.call, opts))).result)).toBe("Boom")
      expect(Option.map(yield* breakerOf("Sentiment"), (b) => [b.state, b.probeAtMs])).toEqual(Option.some(["open", 20_000]))
      expect(tagOf((yield* run(request(module.call, opts))).result)).toBe("CircuitOpen")
      yield* TestClock.adjust("10 seconds")
      expect(tagOf((yield* run(request(module.call, opts))).result)).toBe("ok")
    }).pipe(Effect.provide(layer)))

  it.effect("while a probe is in flight other calls are refused as half-open", () =>
    Effect.gen(function*() {
      const module = yield* scripted([fail(503), fail(503), fail(503), slow(500, "probe ok")], ok("after"))
      const opts = options(breaker)
      for (let i = 0; i < 3; i++) yield* run(request(module.call, opts))
      yield* TestClock.adjust("10 seconds")
      const probe = yield* Effect.fork(run(request(module.call, opts)))
      yield* TestClock.adjust("1 millis")
      const during = yield* run(request(module.call, opts))
      expect(Either.getLeft(during.result).pipe(Option.map((e) => e instanceof CircuitOpen && e.state))).toEqual(
        Option.some("half-open")
      )
      yield* TestClock.adjust("1 second")
      expect((yield* Fiber.join(probe)).result).toEqual(Either.right("probe ok"))
      expect((yield* run(request(module.call, opts))).result).toEqual(Either.right("after"))
    }).pipe(Effect.provide(layer)))

  it.effect("errors that are not worth a retry (4xx) do not count: the module answered", () =>
    Effect.gen(function*() {
      const module = yield* scripted([], fail(400))
      const opts = options(breaker)
      for (let i = 0; i < 5; i++) yield* run(request(module.call, opts))
      expect(yield* module.count).toBe(5)
      expect(Option.map(yield* breakerOf("Sentiment"), (b) => b.state)).toEqual(Option.some("closed"))
    }).pipe(Effect.provide(layer)))

  it.effect("timeouts count as failures", () =>
    Effect.gen(function*() {
      const module = yield* scripted([], { _tag: "hang" })
      const opts = options({ ...breaker, timeout: "1s" })
      for (let i = 0; i < 3; i++) {
        const fiber = yield* Effect.fork(run(request(module.call, opts)))
        yield* TestClock.adjust("1 second")
        yield* Fiber.join(fiber)
      }
      expect(Option.map(yield* breakerOf("Sentiment"), (b) => b.state)).toEqual(Option.some("open"))
    }).pipe(Effect.provide(layer)))

  it.effect("an open breaker stops the retries of a call, and the fallback still answers", () =>
    Effect.gen(function*() {
      const module = yield* scripted([], fail(503))
      const report = yield* run(request(module.call, options({ circuit_breaker: { failures: 2, reset: "1min" }, retry: 5, fallback: "neutral" })))
      expect(yield* module.count).toBe(2)
      expect(report.attempts.map((a) => a.outcome)).toEqual(["failure", "failure", "circuit-open"])
      expect([report.source, report.result]).toEqual(["fallback", Either.right("neutral")])
    }).pipe(Effect.provide(layer)))

  it.effect("breakers are per module and listed for operators", () =>
    Effect.gen(function*() {
      const a = yield* scripted([], fail(503))
      const opts = options({ circuit_breaker: { failures: 1, reset: "1min" } })
      yield* run(request(a.call, opts, {}, "A"))
      yield* run(request(a.call, opts, {}, "B"))
      yield* run(request(a.call, options({}), {}, "C"))
      const views = yield* Effect.flatMap(CallPolicies, (p) => p.breakers)
      expect(views.map((v) => [v.module, v.state])).toEqual([["A", "open"], ["B", "open"]])
      expect(yield* breakerOf("C")).toEqual(Option.none())
      expect(yield* Ref.get(a.attempts).pipe(Effect.map((all) => all.length))).toBe(3)
    }).pipe(Effect.provide(layer)))
})
