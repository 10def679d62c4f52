/**
 * The restart policy as a pure decision and as a Schedule on TestClock: for any policy and any
 * crash sequence, the budget per window holds and every delay follows the backoff.
 */
import { describe, expect, it } from "@effect/vitest"
import { Arbitrary, Chunk, Effect, Fiber, FastCheck, Option, Schedule, Schema, TestClock } from "effect"
import { RestartPolicy } from "../../src/contract/ModuleEntry.js"
import {
  backoffDelay,
  type Crash,
  decideRestart,
  initialRestartState,
  type RestartState,
  restartSchedule,
  type RestartStep
} from "../../src/supervisor/RestartSchedule.js"

const between = (min: number, max: number) => Schema.Int.pipe(Schema.between(min, max))

/** Policies in config form, with sizes bounded so windows and delays interact within a run. */
const PolicyInput = Schema.Struct({
  mode: Schema.Literal("never", "on_failure"),
  max_restarts: between(0, 6),
  window_sec: between(1, 30),
  backoff: Schema.Struct({
    initial_ms: between(0, 2_000),
    max_ms: between(0, 10_000),
    factor: Schema.Number.pipe(Schema.between(1, 4)),
    jitter: Schema.Boolean,
    reset_after_ms: between(0, 20_000)
  })
})

const decodePolicy = Schema.decodeSync(RestartPolicy)

/**
 * Decoded `RestartPolicy`s, generated from their (bounded) config form. Half are "tight" (a window
 * of 1-3 s, short first delays): there a restart that just left the window and a short delay meet,
 * which is where an off-by-a-little window check would let one restart too many through.
 */
const policies: FastCheck.Arbitrary<RestartPolicy> = FastCheck.tuple(Arbitrary.make(PolicyInput), FastCheck.boolean()).map(
  ([input, tight]) =>
    decodePolicy(
      tight
        ? { ...input, window_sec: 1 + (input.window_sec % 3), backoff: { ...input.backoff, initial_ms: input.backoff.initial_ms % 100 } }
        : input
    )
)

/** One crash: how long after the last (re)start it happened, how long the run had been up, and the jitter drawn. */
const CrashInput = Schema.Struct({
  afterMs: between(0, 40_000),
  upFraction: Schema.Number.pipe(Schema.between(0, 1)),
  permanent: Schema.Boolean,
  jitter: Schema.Number.pipe(Schema.between(0.8, 1.2))
})
const crashes = FastCheck.array(
  FastCheck.tuple(
    Arbitrary.make(CrashInput),
    // Crash loops (runs of a few ms) put many restarts near one window's edge.
    FastCheck.oneof(
      FastCheck.integer({ min: 0, max: 300 }),
      FastCheck.integer({ min: 0, max: 3_000 }),
      FastCheck.integer({ min: 0, max: 40_000 })
    )
  ).map(([crash, afterMs]) => ({
    ...crash,
    afterMs,
    // Permanent crashes are rare in real life and end the sequence; keep most crashes ordinary.
    permanent: crash.permanent && crash.upFraction > 0.95
  })),
  { maxLength: 25 }
)

interface Simulated {
  readonly restartsAt: ReadonlyArray<number>
  readonly steps: ReadonlyArray<{ readonly crash: Crash; readonly step: RestartStep; readonly expectedAttempt: number }>
}

/** Feeds crashes to `decideRestart` the way the supervisor does: each crash comes after the restart before it. */
const simulate = (policy: RestartPolicy, sequence: ReadonlyArray<typeof CrashInput.Type>): Simulated => {
  let state: RestartState = initialRestartState
  let startedAt = 0
  let expectedAttempt = 0
  const restartsAt: Array<number> = []
  const steps: Array<Simulated["steps"][number]> = []
  for (const input of sequence) {
    const now = startedAt + input.afterMs
    const crash: Crash = { uptimeMs: Math.floor(input.afterMs * input.upFraction), permanent: input.permanent }
    const [next, step] = decideRestart(policy, state, crash, now, input.jitter)
    if (crash.uptimeMs >= policy.backoff.reset_after_ms) expectedAttempt = 0
    steps.push({ crash, step, expectedAttempt })
    if (step._tag === "GiveUp") break
    expectedAttempt += 1
    state = next
    startedAt = now + step.delayMs
    restartsAt.push(startedAt)
  }
  return { restartsAt, steps }
}

/** The most restarts that fall in any window `(t - W, t]`. */
const busiestWindow = (restartsAt: ReadonlyArray<number>, windowMs: number): number =>
  Math.max(0, ...restartsAt.map((end) => restartsAt.filter((at) => at > end - windowMs && at <= end).length))

const expectDelayFollowsBackoff = (policy: RestartPolicy, delayMs: number, attempt: number) => {
  const base = backoffDelay(policy, attempt)
  const cap = policy.backoff.max_ms
  expect(base).toBe(policy.backoff.initial_ms === 0 ? 0 : Math.min(cap, policy.backoff.initial_ms * policy.backoff.factor ** attempt))
  if (policy.backoff.jitter) {
    expect(delayMs).toBeGreaterThanOrEqual(Math.round(Math.min(cap, base * 0.8)))
    expect(delayMs).toBeLessThanOrEqual(Math.round(Math.min(cap, base * 1.2)))
  } else {
    expect(delayMs).toBe(Math.round(base))
  }
  expect(delayMs).toBeLessThanOrEqual(cap)
}

describe("restart policy", () => {
  it.prop("never restarts more than max_restarts times within any window", [policies, crashes], ([policy, sequence]) => {
    const { restartsAt } = simulate(policy, sequence)
    expect(busiestWindow(restartsAt, policy.window_sec * 1_000)).toBeLessThanOrEqual(policy.max_restarts)
    if (policy.mode === "never") expect(restartsAt).toEqual([])
  }, { fastCheck: { numRuns: 300 } })

  it.prop("every delay is initial·factor^n, capped at max_ms, within jitter ±20%", [policies, crashes], ([policy, sequence]) => {
    for (const { expectedAttempt, step } of simulate(policy, sequence).steps) {
      if (step._tag === "GiveUp") continue
      // n counts the restarts in a row; a run that stayed up reset_after_ms starts it over.
      expect(step.attempt).toBe(expectedAttempt)
      expectDelayFollowsBackoff(policy, step.delayMs, step.attempt)
    }
  }, { fastCheck: { numRuns: 300 } })

  it.prop("gives up for the right reason", [policies, crashes], ([policy, sequence]) => {
    const { steps } = simulate(policy, sequence)
    const last = steps.at(-1)
    if (last === undefined || last.step._tag !== "GiveUp") return
    const reason = last.step.reason
    if (last.crash.permanent) expect(reason).toBe("permanent")
    else if (policy.mode === "never") expect(reason).toBe("restart-disabled")
    else expect(reason).toBe("budget-exhausted")
  })

  it.prop("a crash loop with no uptime gets exactly max_restarts restarts when the delays fit the window", [policies], ([policy]) => {
    const onFailure = decodePolicy({
      ...Schema.encodeSync(RestartPolicy)(policy),
      mode: "on_failure",
      // Delays that always fit the window, so only the budget can stop the loop.
      backoff: { ...Schema.encodeSync(RestartPolicy)(policy).backoff, max_ms: 10, reset_after_ms: 1_000_000 }
    })
    const loop = Array.from({ length: onFailure.max_restarts + 3 }, () => ({ afterMs: 0, upFraction: 0, permanent: false, jitter: 1 }))
    const { restartsAt, steps } = simulate(onFailure, loop)
    expect(restartsAt).toHaveLength(onFailure.max_restarts)
    expect(steps.at(-1)?.step).toEqual({ _tag: "GiveUp", reason: "budget-exhausted" })
  })

  it("never computes a NaN delay, whatever the factor", () => {
    // JSON.parse turns 1e999 into Infinity, and a large finite factor overflows after a few restarts.
    for (const factor of [1e300, Infinity]) {
      for (const initial_ms of [0, 100]) {
        const policy = decodePolicy({ backoff: { initial_ms, factor, max_ms: 5_000, jitter: false } })
        for (const attempt of [0, 1, 2, 5]) {
          const delay = backoffDelay(policy, attempt)
          expect(Number.isNaN(delay)).toBe(false)
          expect(delay).toBeLessThanOrEqual(5_000)
        }
      }
    }
  })

  it.effect.prop(
    "as a Schedule on TestClock, it waits exactly the delay it reports and keeps the budget",
    [policies, crashes],
    ([policy, sequence]) =>
      Effect.gen(function*() {
        const driver = yield* Schedule.driver(restartSchedule(policy))
        const restartsAt: Array<number> = []
        for (const input of sequence) {
          // The run lasts `afterMs` on the test clock before it crashes.
          yield* TestClock.adjust(input.afterMs)
          const crashedAt = yield* TestClock.currentTimeMillis
          const crash: Crash = { uptimeMs: Math.floor(input.afterMs * input.upFraction), permanent: false }
          const fiber = yield* Effect.fork(driver.next(crash))
          // Let the step run up to its sleep (or to its end), then move the clock to the wake-up time.
          let pending = Chunk.empty<number>()
          for (let spins = 0; spins < 1_000; spins++) {
            pending = yield* TestClock.sleeps()
            if (Chunk.isNonEmpty(pending) || Option.isSome(yield* Fiber.poll(fiber))) break
            yield* Effect.yieldNow()
          }
          const wake = Chunk.head(pending)
          if (Option.isSome(wake)) yield* TestClock.setTime(wake.value)
          const outcome = yield* Fiber.join(fiber).pipe(Effect.option)
          if (Option.isNone(outcome)) break
          const step = outcome.value
          if (step._tag !== "Restart") break
          const restartedAt = yield* TestClock.currentTimeMillis
          expect(restartedAt - crashedAt).toBe(step.delayMs)
          expectDelayFollowsBackoff(policy, step.delayMs, step.attempt)
          restartsAt.push(restartedAt)
        }
        expect(busiestWindow(restartsAt, policy.window_sec * 1_000)).toBeLessThanOrEqual(policy.max_restarts)
        if (policy.mode === "never") expect(restartsAt).toEqual([])
      }),
    { fastCheck: { numRuns: 60 } }
  )
})
