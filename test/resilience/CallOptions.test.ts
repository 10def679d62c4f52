import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, FastCheck, ParseResult, Schema } from "effect"
import { CallOptions, decodeCallOptions, lint, noCallOptions } from "../../src/resilience/CallOptions.js"

const decode = (input: unknown) => Effect.either(decodeCallOptions(input))
const errorText = (input: unknown) =>
  Effect.map(decode(input), (result) =>
    Either.match(result, {
      onLeft: (error) => ParseResult.TreeFormatter.formatErrorSync(error),
      onRight: () => "decoded"
    }))
const messages = (encoded: typeof CallOptions.Encoded) =>
  lint(Schema.decodeSync(CallOptions)(encoded)).map((warning) => warning.message)

describe("CallOptions", () => {
  it.effect("decodes the contract's example and fills the defaults", () =>
    Effect.gen(function*() {
      const options = yield* decodeCallOptions({
        retry: 3,
        timeout: "2s",
        delay: "100ms",
        backoff: "exponential",
        cache: "5min",
        fallback: { sentiment: "neutral", confidence: 0 }
      })
      expect(options).toEqual({
        retry: 3,
        timeout: 2_000,
        delay: 100,
        backoff: "exponential",
        cache: 300_000,
        fallback: { sentiment: "neutral", confidence: 0 },
        max_delay: 30_000,
        jitter: true,
        on_error: "propagate",
        idempotent: true
      })
    }))

  it.effect("decodes limits, breaker and error mode", () =>
    Effect.gen(function*() {
      const options = yield* decodeCallOptions({
        concurrency: 4,
        throttle: "100/1s",
        circuit_breaker: { failures: 5, reset: "30s" },
        on_error: "wrap",
        idempotent: false,
        jitter: false,
        max_delay: "5s"
      })
      expect(options.throttle).toEqual({ permits: 100, windowMillis: 1_000 })
      expect(options.circuit_breaker).toEqual({ failures: 5, reset: 30_000, half_open_probes: 1 })
      expect([options.concurrency, options.on_error, options.idempotent, options.jitter, options.max_delay]).toEqual([
        4,
        "wrap",
        false,
        false,
        5_000
      ])
      expect((yield* decodeCallOptions({ throttle: "10/min" })).throttle).toEqual({ permits: 10, windowMillis: 60_000 })
    }))

  it.effect("null is a legal fallback", () =>
    Effect.gen(function*() {
      expect((yield* decodeCallOptions({ fallback: null })).fallback).toBeNull()
    }))

  it.effect("rejects what does not match, naming the field and the fix", () =>
    Effect.gen(function*() {
      expect(yield* errorText({ retries: 3 })).toContain(`["retries"]`)
      expect(yield* errorText({ retry: -1 })).toContain(`["retry"]`)
      expect(yield* errorText({ retry: 1.5 })).toContain(`["retry"]`)
      const badDuration = yield* errorText({ timeout: "soon" })
      expect(badDuration).toContain(`["timeout"]`)
      expect(badDuration).toContain(`for example "250ms"`)
      expect(yield* errorText({ timeout: "0ms" })).toContain("must be longer than 0ms")
      const badRate = yield* errorText({ throttle: "fast" })
      expect(badRate).toContain(`["throttle"]`)
      expect(badRate).toContain(`"100/1s"`)
      expect(yield* errorText({ throttle: "0/1s" })).toContain(`["throttle"]`)
      expect(yield* errorText({ backoff: "random" })).toContain(`["backoff"]`)
      expect(yield* errorText({ circuit_breaker: { failures: 0, reset: "1s" } })).toContain(`["failures"]`)
      expect(yield* errorText({ circuit_breaker: { failures: 1, reset: "1s", probes: 2 } })).toContain(`["probes"]`)
      expect(yield* errorText({ on_error: "log" })).toContain(`["on_error"]`)
      expect(yield* errorText({ concurrency: 0 })).toContain(`["concurrency"]`)
    }))

  it("noCallOptions is everything off with the defaults", () => {
    expect(noCallOptions).toEqual({ max_delay: 30_000, jitter: true, on_error: "propagate", idempotent: true })
    expect(lint(noCallOptions)).toEqual([])
  })

  const encodedOptions = FastCheck.record(
    {
      retry: FastCheck.integer({ min: 0, max: 20 }),
      timeout: FastCheck.integer({ min: 1, max: 100_000 }).map((ms) => `${ms}ms`),
      delay: FastCheck.integer({ min: 0, max: 10 }).map((s) => `${s}s`),
      backoff: FastCheck.constantFrom("fixed", "linear", "exponential"),
      max_delay: FastCheck.integer({ min: 0, max: 60 }).map((m) => `${m}min`),
      jitter: FastCheck.boolean(),
      cache: FastCheck.integer({ min: 1, max: 24 }).map((h) => `${h}h`),
      concurrency: FastCheck.integer({ min: 1, max: 64 }),
      throttle: FastCheck.tuple(FastCheck.integer({ min: 1, max: 1_000 }), FastCheck.integer({ min: 1, max: 10_000 }))
        .map(([n, ms]) => `${n}/${ms}ms`),
      circuit_breaker: FastCheck.record({
        failures: FastCheck.integer({ min: 1, max: 10 }),
        reset: FastCheck.integer({ min: 1, max: 600 }).map((s) => `${s}s`)
      }),
      on_error: FastCheck.constantFrom("propagate", "skip", "wrap"),
      idempotent: FastCheck.boolean()
    },
    { requiredKeys: [] }
  )

  it.effect.prop("decode ∘ encode is the identity on decoded options", [encodedOptions], ([encoded]) =>
    Effect.gen(function*() {
      const decoded = yield* decodeCallOptions(encoded)
      const again = yield* decodeCallOptions(yield* Schema.encode(CallOptions)(decoded))
      expect(again).toEqual(decoded)
    }))

  it.effect.prop("lint never throws and every warning names options and says what to change", [encodedOptions], ([encoded]) =>
    Effect.gen(function*() {
      for (const warning of lint(yield* decodeCallOptions(encoded))) {
        expect(warning.options.length).toBeGreaterThan(0)
        expect(warning.message).toMatch(/: .*(add|remove|raise|lower|use|set|make)/)
      }
    }))
})

describe("lint", () => {
  it("delay or backoff without retry", () => {
    expect(messages({ delay: "100ms" })).toEqual([
      "`delay` only spaces retries and there are none: add `retry: N` or remove `delay`."
    ])
    expect(messages({ backoff: "fixed", delay: "1s" })).toHaveLength(2)
  })

  it("backoff without delay", () => {
    expect(messages({ retry: 2, backoff: "exponential" })).toEqual([
      "`backoff: exponential` grows `delay`, which is not set, so retries are immediate: add `delay` (for example \"100ms\") or remove `backoff`."
    ])
  })

  it("delay above max_delay", () => {
    expect(messages({ retry: 2, delay: "1min", max_delay: "10s" })[0]).toContain("lower `delay` or raise `max_delay`")
  })

  it("retry or cache on a non-idempotent call", () => {
    const warnings = messages({ retry: 2, cache: "1min", idempotent: false })
    expect(warnings).toHaveLength(2)
    expect(warnings[0]).toContain("X-Execution-Id")
    expect(warnings[1]).toContain("remove `cache`")
  })

  it("fallback makes on_error skip or wrap unreachable", () => {
    expect(messages({ fallback: "x", on_error: "skip" })).toEqual([
      "`on_error: skip` never applies because `fallback` replaces every error: remove one of them."
    ])
    expect(messages({ fallback: "x", on_error: "wrap" })).toHaveLength(1)
    expect(messages({ fallback: "x" })).toEqual([])
  })

  it("retries that can open the breaker on their own, and very high retry counts", () => {
    expect(messages({ retry: 4, circuit_breaker: { failures: 3, reset: "10s" } })[0]).toContain(
      "raise `circuit_breaker.failures` above 5"
    )
    expect(messages({ retry: 1, circuit_breaker: { failures: 3, reset: "10s" } })).toEqual([])
    expect(messages({ retry: 11 })[0]).toContain("use at most 10")
  })

  it("sensible options give no warnings", () => {
    expect(
      messages({ retry: 3, timeout: "2s", delay: "100ms", backoff: "exponential", cache: "5min", fallback: { s: 1 } })
    ).toEqual([])
  })
})
