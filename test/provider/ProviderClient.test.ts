/**
 * Provider calls over real loopback HTTP against a provider that fails on purpose: the headers of
 * CONTRACTS §3.2, input and output validation, every error of §3.4 with the provider's own code and
 * message kept, and the retry classification (never 4xx or type errors).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Option, Schema } from "effect"
import { ExecutionFailed, InputTypeMismatch, InvalidResponse, NetworkError, OutputTypeMismatch, Timeout, UnexpectedStatus } from "../../src/provider/ProviderError.js"
import type { CallReport } from "../../src/resilience/CallReport.js"
import { expectNoLeftoverProcesses } from "../support/Processes.js"
import { quiet } from "../support/Node.js"
import { closedPort, entry, startProviders, startRemoteFixture } from "./support.js"

expectNoLeftoverProcesses()

/** What the echo path reports of the request it got. */
const Seen = Schema.Struct({ timeout_ms: Schema.Number, traceparent: Schema.String })

const outcomes = (report: CallReport<unknown, unknown>) => report.attempts.map((a) => a.outcome)
const leftOf = <E>(report: CallReport<unknown, E>): E => {
  if (Either.isRight(report.result)) throw new Error(`expected a failure, got ${JSON.stringify(report.result.right)}`)
  return report.result.left
}

/** One fixture process, and one provider entry per path of it. */
const setup = (extra: ReadonlyArray<Record<string, unknown>> = []) =>
  Effect.gen(function*() {
    const fixture = yield* startRemoteFixture()
    const at = (name: string, path: string, json: Record<string, unknown> = {}) => entry({ name, url: `${fixture.origin}${path}`, ...json })
    const refused = yield* closedPort
    const node = yield* startProviders({
      providers: [
        at("Echo", "/echo", { health_url: `${fixture.origin}/health`, timeout: "2s" }),
        at("Flaky", "/flaky?fail=2"),
        at("Busy", "/busy?fail=1&retry_after=0"),
        at("Slow", "/slow?ms=2000"),
        at("WrongType", "/wrong_type"),
        at("BadRequest", "/bad_request"),
        at("Fail", "/fail"),
        at("Garbage", "/garbage"),
        at("Large", "/large", { max_response_bytes: 65_536 }),
        at("NotFound", "/nowhere"),
        at("Trimmed", "/echo", { output_schema: { text: "String" } }),
        entry({ name: "Down", url: `http://127.0.0.1:${refused}/invoke`, health_url: `http://127.0.0.1:${refused}/health` }),
        ...extra.map((json) => entry({ url: `${fixture.origin}/echo`, ...json }))
      ]
    })
    return { fixture, node }
  })

describe("ProviderClient", () => {
  it.scopedLive("sends the plain input with X-Execution-Id, X-Timeout-Ms and traceparent, and validates the output", () =>
    Effect.gen(function*() {
      const { node } = yield* setup()
      const report = yield* node.client.run("Echo", { text: "hello", extra: "dropped" }, yield* node.client.options("Echo"))
      expect(report.source).toBe("call")
      const output = Either.getOrThrow(report.result)
      expect(output).toMatchObject({ text: "hello", execution_id: report.executionId, attempt: 1 })
      expect(report.executionId).toMatch(/^[0-9a-f-]{36}$/)
      const seen = Schema.decodeUnknownSync(Seen)(output)
      // The time left of a 2 s attempt, sent as a whole number of milliseconds.
      expect(seen.timeout_ms).toBeGreaterThan(1_000)
      expect(seen.timeout_ms).toBeLessThanOrEqual(2_000)
      expect(seen.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/)
      // Extra fields of the answer (the fixture's pid) are dropped by the output type.
      expect(Object.keys(output as object).sort()).toEqual(["attempt", "execution_id", "text", "timeout_ms", "traceparent"])
      const trimmed = yield* node.client.call("Trimmed", { text: "x" })
      expect(trimmed).toMatchObject({ _tag: "Value", value: { text: "x" } })
    }).pipe(quiet))

  it.scopedLive("keeps one X-Execution-Id across retries: a provider failing twice succeeds on the third attempt", () =>
    Effect.gen(function*() {
      const { fixture, node } = yield* setup()
      const report = yield* node.client.run("Flaky", { text: "again" }, yield* node.client.options("Flaky", { retry: 3 }))
      expect(outcomes(report)).toEqual(["failure", "failure", "success"])
      expect(Either.getOrThrow(report.result)).toMatchObject({ attempt: 3, execution_id: report.executionId })
      expect((yield* fixture.stats).executions[report.executionId]).toBe(3)
      expect(report.attempts[0]?.error).toContain("flaky failure 1")
      // Without enough retries the provider's own error comes back, code and message kept.
      const short = yield* node.client.run("Flaky", { text: "again" }, yield* node.client.options("Flaky", { retry: 1 }))
      const error = leftOf(short)
      expect(error).toBeInstanceOf(ExecutionFailed)
      expect(error).toMatchObject({ status: 500, code: "RUNTIME_ERROR", providerMessage: "flaky failure 2", details: { attempt: 2 } })
      expect(error.message).toContain(`Provider "Flaky" (POST ${fixture.origin}/flaky?fail=2, execution ${short.executionId}, attempt 2)`)
      expect(error.message).toContain("Next:")
    }).pipe(quiet))

  it.scopedLive("never retries a 4xx answer, a wrong type or a garbage answer", () =>
    Effect.gen(function*() {
      const { fixture, node } = yield* setup()
      const retry = { retry: 3 }
      const bad = yield* node.client.run("BadRequest", { text: "x" }, yield* node.client.options("BadRequest", retry))
      expect(outcomes(bad)).toEqual(["failure"])
      expect(leftOf(bad)).toMatchObject({ _tag: "ExecutionFailed", status: 400, code: "TYPE_ERROR", providerMessage: "Field 'text' must be a string" })
      expect(leftOf(bad).message).toContain("input_schema")

      const wrong = yield* node.client.run("WrongType", { text: "x" }, yield* node.client.options("WrongType", retry))
      expect(outcomes(wrong)).toEqual(["failure"])
      const mismatch = leftOf(wrong)
      expect(mismatch).toBeInstanceOf(OutputTypeMismatch)
      if (mismatch instanceof OutputTypeMismatch) {
        expect(mismatch.mismatches).toEqual([
          { path: "text", expected: "String", received: "42" },
          { path: "execution_id", expected: "String", received: "missing" },
          { path: "timeout_ms", expected: "Int", received: "missing" },
          { path: "traceparent", expected: "String", received: "missing" },
          { path: "attempt", expected: "Int", received: "\"one\"" }
        ])
        expect(mismatch.message).toContain("Expected: { text: Optional<String>, execution_id: String")
        expect(mismatch.message).toContain("attempt: expected Int, received \"one\"")
        expect(mismatch.message).toContain("did the provider's API change?")
      }

      const garbage = yield* node.client.run("Garbage", { text: "x" }, yield* node.client.options("Garbage", retry))
      expect(outcomes(garbage)).toEqual(["failure"])
      expect(leftOf(garbage)).toBeInstanceOf(InvalidResponse)
      expect(leftOf(garbage).message).toContain("not JSON: \"<html>this is not JSON</html>\"")

      const large = yield* node.client.run("Large", { text: "x" }, yield* node.client.options("Large", retry))
      expect(leftOf(large).message).toContain("larger than max_response_bytes (65536 bytes)")

      const missing = yield* node.client.run("NotFound", { text: "x" }, yield* node.client.options("NotFound", retry))
      expect(outcomes(missing)).toEqual(["failure"])
      expect(leftOf(missing)).toMatchObject({ _tag: "UnexpectedStatus", status: 404 })
      expect(leftOf(missing).message).toContain("check the provider's `url`")
      // Four providers were called once each, plus one request of the wrong type: no retries went out.
      expect((yield* fixture.stats).requests).toBe(5)
    }).pipe(quiet))

  it.scopedLive("retries 5xx and 503 (honouring Retry-After) within the retry budget", () =>
    Effect.gen(function*() {
      const { node } = yield* setup()
      const fail = yield* node.client.run("Fail", { text: "x" }, yield* node.client.options("Fail", { retry: 2 }))
      expect(outcomes(fail)).toEqual(["failure", "failure", "failure"])
      expect(leftOf(fail)).toMatchObject({ code: "RUNTIME_ERROR", providerMessage: "model not loaded", details: { hint: "fixture" } })

      const busyOnce = yield* node.client.run("Busy", { text: "x" }, yield* node.client.options("Busy"))
      expect(leftOf(busyOnce)).toBeInstanceOf(UnexpectedStatus)
      expect(leftOf(busyOnce)).toMatchObject({ status: 503, retryAfterMs: 0 })
      const busy = yield* node.client.run("Busy", { text: "x" }, yield* node.client.options("Busy", { retry: 1 }))
      expect(outcomes(busy)).toEqual(["failure", "success"])
    }).pipe(quiet))

  it.scopedLive("bounds every attempt by its timeout, sent as X-Timeout-Ms, and retries timeouts", () =>
    Effect.gen(function*() {
      const { node } = yield* setup()
      const report = yield* node.client.run("Slow", { text: "x" }, yield* node.client.options("Slow", { timeout: "100ms", retry: 1 }))
      expect(outcomes(report)).toEqual(["timeout", "timeout"])
      const error = leftOf(report)
      expect(error).toBeInstanceOf(Timeout)
      expect(error.message).toContain("did not answer within 100ms (attempt 2 of 2")
      // The provider's default timeout bounds a call that sets none.
      const echo = yield* node.client.call("Echo", { text: "x" }, { timeout: "150ms" })
      expect(Schema.decodeUnknownSync(Seen)(echo.value).timeout_ms).toBeLessThanOrEqual(150)
    }).pipe(quiet))

  it.scopedLive("a refused connection is a NetworkError, retried, and answered by the fallback when one is given", () =>
    Effect.gen(function*() {
      const { node } = yield* setup()
      const report = yield* node.client.run("Down", { text: "x" }, yield* node.client.options("Down", { retry: 2 }))
      expect(outcomes(report)).toEqual(["failure", "failure", "failure"])
      const error = leftOf(report)
      expect(error).toBeInstanceOf(NetworkError)
      expect(error.message).toContain("ECONNREFUSED")
      expect(error.message).toContain("Next: check that the provider is running")
      const fallback = { text: "fallback", execution_id: "-", timeout_ms: 0, traceparent: "-", attempt: 0 }
      const answered = yield* node.client.run("Down", { text: "x" }, yield* node.client.options("Down", { retry: 1, fallback }))
      expect(answered.source).toBe("fallback")
      expect(answered.result).toEqual(Either.right(fallback))
      expect(Option.map(answered.recovered, (e) => e._tag)).toEqual(Option.some("NetworkError"))
    }).pipe(quiet))

  it.scopedLive("validates the input before sending anything", () =>
    Effect.gen(function*() {
      const { fixture, node } = yield* setup()
      const error = yield* Effect.flip(node.client.run("Echo", { text: 42 }, yield* node.client.options("Echo")))
      expect(error).toBeInstanceOf(InputTypeMismatch)
      expect(error.message).toContain("Provider \"Echo\" was not called")
      expect(error.message).toContain("text: expected String, received 42")
      expect((yield* fixture.stats).requests).toBe(0)
    }).pipe(quiet))

  it.scopedLive("caches successes per canonical input, and applies on_error to direct calls", () =>
    Effect.gen(function*() {
      const { fixture, node } = yield* setup()
      const first = yield* node.client.call("Echo", { text: "same" }, { cache: "1min" })
      const second = yield* node.client.call("Echo", { text: "same" }, { cache: "1min" })
      expect(first.report.source).toBe("call")
      expect(second.report.source).toBe("cache")
      expect(second.value).toEqual(first.value)
      expect((yield* fixture.stats).requests).toBe(1)
      const wrapped = yield* node.client.call("Fail", { text: "x" }, { on_error: "wrap" })
      expect(wrapped._tag === "Wrapped" && wrapped.value.ok).toBe(false)
      const skipped = yield* node.client.call("Fail", { text: "x" }, { on_error: "skip" })
      expect(skipped).toMatchObject({ _tag: "Optional", value: Option.none() })
      const propagated = yield* Effect.flip(node.client.call("Fail", { text: "x" }))
      expect(propagated._tag).toBe("ExecutionFailed")
      const invalid = yield* Effect.flip(node.client.call("Echo", { text: "x" }, { retry: -1, retries: 2 }))
      expect(invalid._tag).toBe("InvalidCallOptions")
      expect(invalid.message).toContain("retries")
    }).pipe(quiet))

  it.scopedLive("a circuit breaker opens after consecutive failures and then refuses without sending", () =>
    Effect.gen(function*() {
      const { fixture, node } = yield* setup()
      const options = yield* node.client.options("Fail", { circuit_breaker: { failures: 2, reset: "1min" } })
      yield* node.client.run("Fail", { text: "x" }, options)
      yield* node.client.run("Fail", { text: "x" }, options)
      const refused = yield* node.client.run("Fail", { text: "x" }, options)
      expect(leftOf(refused)._tag).toBe("CircuitOpen")
      expect(leftOf(refused).message).toContain("Module \"Fail\" is failing fast")
      expect((yield* fixture.stats).requests).toBe(2)
      const breaker = yield* node.policies.breaker("Fail")
      expect(Option.map(breaker, (b) => b.state)).toEqual(Option.some("open"))
    }).pipe(quiet))

  it.scopedLive("health checks report each provider, and an unknown provider names the known ones", () =>
    Effect.gen(function*() {
      const { node } = yield* setup()
      const health = yield* node.registry.health()
      const byName = Object.fromEntries(health.map((h) => [h.name, h]))
      expect(byName["Echo"]?.outcome).toBe("healthy")
      expect(byName["Down"]?.outcome).toBe("unhealthy")
      expect(byName["Down"]?.detail).toContain("ECONNREFUSED")
      expect(byName["Flaky"]?.outcome).toBe("unchecked")
      const unknown = yield* Effect.flip(node.client.call("Nope", {}))
      expect(unknown.message).toContain("No provider named \"Nope\"; the node has: Echo, Flaky")
    }).pipe(quiet))
})
