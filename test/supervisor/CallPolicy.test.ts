/**
 * The invoke client's retry policies as values, under TestClock: a 503 waits exactly what the
 * module asked for, a dead pooled socket gets one more attempt at once, a request that never reached
 * a gone process follows the restart budget, and nothing else (a crash during a call above all) is
 * ever sent again.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Ref, TestClock } from "effect"
import { callPolicies, Resend, retryAfterMs, Saturated, StaleSocket } from "../../src/supervisor/CallPolicy.js"
import { ModuleCrashed, TransportFailed, UnexpectedStatus } from "../../src/supervisor/InvokeError.js"
import { fixtureEntry } from "../support/Fixture.js"

type Failure = Saturated | StaleSocket | Resend | ModuleCrashed

const entry = fixtureEntry("policy", "ok", { restart_policy: { max_restarts: 2 } })
const policies = callPolicies<Failure>(entry)
const transport = new TransportFailed({ executor_id: "policy", detail: "socket hang up" })
const busy = new UnexpectedStatus({ executor_id: "policy", status: 503, detail: "busy" })
const crashed = new ModuleCrashed({ executor_id: "policy", pid: 1, exit_code: 9, signal: null, stderr_tail: [] })

/** An attempt that always fails with `failure`, counting its runs. */
const counting = (failure: Failure) =>
  Effect.map(Ref.make(0), (runs) => ({ runs, attempt: Effect.zipRight(Ref.update(runs, (n) => n + 1), Effect.fail(failure)) }))

describe("CallPolicy", () => {
  it.effect("a 503 is tried again after exactly its Retry-After", () =>
    Effect.gen(function*() {
      const { attempt, runs } = yield* counting(new Saturated({ waitMs: 1_000, error: busy }))
      const fiber = yield* Effect.fork(Effect.retry(attempt, policies.saturated))
      yield* TestClock.adjust(Duration.millis(999))
      expect(yield* Ref.get(runs)).toBe(1)
      yield* TestClock.adjust(Duration.millis(1))
      expect(yield* Ref.get(runs)).toBe(2)
      yield* TestClock.adjust(Duration.millis(3_000))
      expect(yield* Ref.get(runs)).toBe(5)
      yield* Fiber.interrupt(fiber)
    }))

  it.effect("a dead pooled socket gets one more attempt, at once", () =>
    Effect.gen(function*() {
      const { attempt, runs } = yield* counting(new StaleSocket({ error: transport }))
      const error = yield* Effect.flip(Effect.retry(attempt, policies.staleSocket))
      expect(error._tag).toBe("StaleSocket")
      expect(yield* Ref.get(runs)).toBe(2)
    }))

  it.effect("a request that never reached a gone process goes to at most max_restarts + 1 more instances", () =>
    Effect.gen(function*() {
      const { attempt, runs } = yield* counting(new Resend({ error: transport }))
      yield* Effect.flip(Effect.retry(attempt, policies.resend))
      expect(yield* Ref.get(runs)).toBe(4)
    }))

  it.effect("a crash during the call is retried by none of them", () =>
    Effect.gen(function*() {
      const { attempt, runs } = yield* counting(crashed)
      const error = yield* Effect.flip(
        attempt.pipe(Effect.retry(policies.saturated), Effect.retry(policies.staleSocket), Effect.retry(policies.resend))
      )
      expect(error).toBe(crashed)
      expect(yield* Ref.get(runs)).toBe(1)
    }))

  it("Retry-After is read in seconds, 1 s when absent or not a number", () => {
    expect(retryAfterMs("2")).toBe(2_000)
    expect(retryAfterMs("0")).toBe(1)
    expect(retryAfterMs(undefined)).toBe(1_000)
    expect(retryAfterMs("Wed, 21 Oct 2015 07:28:00 GMT")).toBe(1_000)
  })
})
