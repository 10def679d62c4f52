/**
 * A scripted module for resilience tests: each attempt plays the next step of a script (answer, fail,
 * hang, answer slowly) and everything the policies did to it is recorded.
 */
import { Data, Effect, Ref, Schema } from "effect"
import { type CallOptions, CallOptions as CallOptionsSchema } from "../../src/resilience/CallOptions.js"
import { type CallError, CallPolicies, type CallRequest } from "../../src/resilience/CallPolicies.js"
import type { AttemptContext, CallReport } from "../../src/resilience/CallReport.js"

/** The scripted module's own error: `status` as an HTTP status, optional `Retry-After`. */
export class Boom extends Data.TaggedError("Boom")<{ readonly status: number; readonly retryAfterMs?: number }> {
  override get message(): string {
    return `status ${this.status}`
  }
}

/** One attempt's behaviour. */
export type Step =
  | { readonly _tag: "ok"; readonly value: string }
  | { readonly _tag: "fail"; readonly error: Boom }
  | { readonly _tag: "hang" }
  | { readonly _tag: "slow"; readonly ms: number; readonly value: string }
  | { readonly _tag: "slowFail"; readonly ms: number; readonly error: Boom }

export const ok = (value: string): Step => ({ _tag: "ok", value })
export const fail = (status: number, retryAfterMs?: number): Step => ({
  _tag: "fail",
  error: new Boom(retryAfterMs === undefined ? { status } : { status, retryAfterMs })
})
export const hang: Step = { _tag: "hang" }
export const slow = (ms: number, value: string): Step => ({ _tag: "slow", ms, value })
export const slowFail = (ms: number, status: number): Step => ({ _tag: "slowFail", ms, error: new Boom({ status }) })

/** The provider client's classification: 5xx and 429 are worth a retry, 4xx never. */
export const transient = (error: Boom): boolean => error.status >= 500 || error.status === 429
export const isString = (u: unknown): u is string => typeof u === "string"
export const isBoom = (u: unknown): u is Boom => u instanceof Boom

/** Decodes options written as in config (a bad fixture fails the test loudly). */
export const options = (encoded: typeof CallOptionsSchema.Encoded): CallOptions =>
  Schema.decodeSync(CallOptionsSchema)(encoded)

/** A module that plays `steps` in order, then `rest` forever, and records every attempt. */
export const scripted = (steps: ReadonlyArray<Step>, rest: Step = ok("done")) =>
  Effect.gen(function*() {
    const attempts = yield* Ref.make<ReadonlyArray<AttemptContext>>([])
    const inFlight = yield* Ref.make(0)
    const maxInFlight = yield* Ref.make(0)
    const call = (context: AttemptContext): Effect.Effect<string, Boom> =>
      Effect.gen(function*() {
        const index = yield* Ref.modify(attempts, (all) => [all.length, [...all, context]])
        const step = steps[index] ?? rest
        const now = yield* Ref.updateAndGet(inFlight, (n) => n + 1)
        yield* Ref.update(maxInFlight, (max) => Math.max(max, now))
        return yield* Effect.ensuring(play(step), Ref.update(inFlight, (n) => n - 1))
      })
    return { call, attempts, maxInFlight, count: Effect.map(Ref.get(attempts), (all) => all.length) }
  })

const play = (step: Step): Effect.Effect<string, Boom> => {
  switch (step._tag) {
    case "ok":
      return Effect.succeed(step.value)
    case "fail":
      return Effect.fail(step.error)
    case "hang":
      return Effect.never
    case "slow":
      return Effect.as(Effect.sleep(step.ms), step.value)
    case "slowFail":
      return Effect.zipRight(Effect.sleep(step.ms), Effect.fail(step.error))
  }
}

/** A request for the scripted module with the usual guards. */
export const request = (
  call: (context: AttemptContext) => Effect.Effect<string, Boom>,
  callOptions: CallOptions,
  input: unknown = { text: "hello" },
  module = "Sentiment"
): CallRequest<string, Boom> => ({
  module,
  options: callOptions,
  input,
  call,
  isOutput: isString,
  isError: isBoom,
  isRetryable: transient
})

/** Runs one request through the service in context. */
export const run = (
  req: CallRequest<string, Boom>
): Effect.Effect<CallReport<string, CallError<Boom>>, never, CallPolicies> =>
  Effect.flatMap(CallPolicies, (policies) => policies.run(req))

/** Start times of the recorded attempts, relative to the first. */
export const startTimes = (attempts: ReadonlyArray<AttemptContext>): ReadonlyArray<number> =>
  attempts.map((attempt) => attempt.startedAtMs - (attempts[0]?.startedAtMs ?? 0))

/** Gaps between consecutive attempts. */
export const gaps = (attempts: ReadonlyArray<AttemptContext>): ReadonlyArray<number> =>
  attempts.slice(1).map((attempt, i) => attempt.startedAtMs - (attempts[i]?.startedAtMs ?? 0))
