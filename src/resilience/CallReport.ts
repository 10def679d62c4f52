/**
 * What a policed call hands to its attempts (`AttemptContext`), what it records about them (`CallReport`,
 * so a pipeline trace can say "3 attempts"), and how `on_error` turns the report into an answer.
 */
import { Effect, Either, Option, Schema } from "effect"
import type { OnError } from "./CallOptions.js"

/** What each attempt of a call knows; the HTTP client turns it into `X-Execution-Id` and `X-Timeout-Ms`. */
export interface AttemptContext {
  readonly module: string
  /** 1 for the first attempt, 2 for the first retry, ... */
  readonly attempt: number
  /** `retry + 1`. */
  readonly maxAttempts: number
  /** One id per call, the same on every retry, so a module can deduplicate. */
  readonly executionId: string
  /** Clock time (epoch ms) at which this attempt started. */
  readonly startedAtMs: number
  /** The per-attempt `timeout`, if any. */
  readonly timeoutMs: Option.Option<number>
  /** Clock time (epoch ms) at which this attempt will be abandoned, if it has a timeout. */
  readonly deadlineMs: Option.Option<number>
  /** Milliseconds left before the deadline, read from the clock when asked (never below 0). */
  readonly timeLeftMs: Effect.Effect<Option.Option<number>>
}

/** How one attempt ended. */
export const AttemptOutcome = Schema.Literal("success", "failure", "timeout", "circuit-open", "interrupted")
/** @see AttemptOutcome */
export type AttemptOutcome = typeof AttemptOutcome.Type

/** One attempt as a trace shows it. */
export const AttemptRecord = Schema.Struct({
  attempt: Schema.Int,
  startedAtMs: Schema.Number,
  durationMs: Schema.Number,
  outcome: AttemptOutcome,
  /** The error's tag and message, when it failed. */
  error: Schema.optionalWith(Schema.String, { exact: true })
})
/** @see AttemptRecord */
export type AttemptRecord = typeof AttemptRecord.Type

/** Where the value of a successful call came from. */
export type CallSource = "call" | "cache" | "fallback"

/** Everything one policed call produced, whether it succeeded or not. */
export interface CallReport<A, E> {
  readonly module: string
  readonly executionId: string
  /** The value, or the error left after retries when there is no fallback. */
  readonly result: Either.Either<A, E>
  /** `cache`: answered from the cache; `fallback`: the call failed and `fallback` answered. */
  readonly source: CallSource
  /** True when this caller joined an identical call already in flight instead of sending its own. */
  readonly shared: boolean
  /** The attempts sent (empty for a cache hit). */
  readonly attempts: ReadonlyArray<AttemptRecord>
  /** The error the fallback replaced. */
  readonly recovered: Option.Option<E>
}

/** One line for traces and logs: `ok via call after 3 attempts`. */
export const summary = (report: CallReport<unknown, unknown>): string => {
  // A call an open breaker refused was never sent: it is recorded, but it is no attempt.
  const sent = report.attempts.filter((attempt) => attempt.outcome !== "circuit-open").length
  const attempts = sent === 1 ? "1 attempt" : `${sent} attempts`
  const how = report.source === "cache"
    ? "from cache"
    : `${report.source === "fallback" ? "from fallback" : "from module"} after ${attempts}${
      report.shared ? " (shared with an identical call)" : ""
    }`
  return `${Either.isRight(report.result) ? "ok" : "failed"} ${how}`
}

/** `on_error: wrap`: the outcome as a value. */
export type Wrapped<A, E> =
  | { readonly ok: true; readonly value: A }
  | { readonly ok: false; readonly error: E }

/** The answer of a call once `on_error` has been applied, with its report. */
export type CallAnswer<A, E> =
  | { readonly _tag: "Value"; readonly value: A; readonly report: CallReport<A, E> }
  | { readonly _tag: "Optional"; readonly value: Option.Option<A>; readonly report: CallReport<A, E> }
  | { readonly _tag: "Wrapped"; readonly value: Wrapped<A, E>; readonly report: CallReport<A, E> }

/** `on_error: propagate`: the value, or the call's error. */
export const propagate = <A, E>(report: CallReport<A, E>): Effect.Effect<A, E> =>
  Either.match(report.result, { onLeft: Effect.fail, onRight: Effect.succeed })

/** `on_error: skip`: the value, or none. */
export const skip = <A, E>(report: CallReport<A, E>): Option.Option<A> => Either.getRight(report.result)

/** `on_error: wrap`: `{ ok: true, value }` or `{ ok: false, error }`. */
export const wrap = <A, E>(report: CallReport<A, E>): Wrapped<A, E> =>
  Either.match(report.result, {
    onLeft: (error): Wrapped<A, E> => ({ ok: false, error }),
    onRight: (value): Wrapped<A, E> => ({ ok: true, value })
  })

/** Applies `on_error` to a report; only `propagate` can fail. */
export const settle = <A, E>(report: CallReport<A, E>, onError: OnError): Effect.Effect<CallAnswer<A, E>, E> => {
  switch (onError) {
    case "propagate":
      return Effect.map(propagate(report), (value): CallAnswer<A, E> => ({ _tag: "Value", value, report }))
    case "skip":
      return Effect.succeed({ _tag: "Optional", value: skip(report), report })
    case "wrap":
      return Effect.succeed({ _tag: "Wrapped", value: wrap(report), report })
  }
}

/** Tag and message of an error, for attempt records. */
export const describeError = (error: unknown): string => {
  if (typeof error === "object" && error !== null) {
    const tag = "_tag" in error && typeof error._tag === "string" ? error._tag : undefined
    const message = "message" in error && typeof error.message === "string" && error.message !== ""
      ? error.message
      : undefined
    if (tag !== undefined && message !== undefined) return `${tag}: ${message}`
    if (tag !== undefined || message !== undefined) return tag ?? message ?? ""
  }
  return String(error)
}
