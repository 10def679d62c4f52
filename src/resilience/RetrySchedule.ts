/**
 * The retry policy of a call as an Effect `Schedule` value: backoff from `delay`, capped at `max_delay`,
 * jittered, at most `retry` recurrences, only for errors the caller calls retryable, and never sooner
 * than a `Retry-After` hint the error carries.
 */
import { Duration, Option, Schedule } from "effect"
import type { CallOptions } from "./CallOptions.js"

/** The options that shape the retry schedule. */
export type RetryOptions = Pick<CallOptions, "retry" | "delay" | "backoff" | "max_delay" | "jitter">

/** How the caller's errors steer retries. */
export interface RetryClassifier<E> {
  /** Whether another attempt may succeed (transport errors, timeouts, 5xx, 503/429; never 4xx or type errors). */
  readonly isRetryable: (error: E) => boolean
  /** The wait the module asked for (e.g. a 503/429 `Retry-After`), in milliseconds. */
  readonly retryAfter: (error: E) => Option.Option<number>
}

/**
 * Reads a `retryAfterMs` number from an error, the field the provider client puts a `Retry-After` header in.
 * Callers with another convention pass their own `retryAfter`.
 */
export const retryAfterField = (error: unknown): Option.Option<number> =>
  typeof error === "object" && error !== null && "retryAfterMs" in error &&
    typeof error.retryAfterMs === "number" && Number.isFinite(error.retryAfterMs) && error.retryAfterMs >= 0
    ? Option.some(error.retryAfterMs)
    : Option.none()

/**
 * The nominal delay before retry `n` (1-based), before jitter: `fixed` = delay, `linear` = delay × n,
 * `exponential` = delay × 2^(n-1), capped at `max_delay`. No `delay` means immediate retries.
 */
export const backoffDelayMillis = (options: RetryOptions, n: number): number => {
  const base = options.delay ?? 0
  const grown = options.backoff === "linear"
    ? base * n
    : options.backoff === "exponential"
    ? base * Math.pow(2, n - 1)
    : base
  return Math.min(grown, options.max_delay)
}

const backoffSchedule = (options: RetryOptions): Schedule.Schedule<unknown> => {
  const base = Duration.millis(options.delay ?? 0)
  switch (options.backoff) {
    case "linear":
      return Schedule.linear(base)
    case "exponential":
      return Schedule.exponential(base, 2)
    default:
      return Schedule.spaced(base)
  }
}

/**
 * The retry schedule of a call, fed with its errors: recurs at most `retry` times, stops at the first
 * error `isRetryable` refuses, waits the backoff delay (capped at `max_delay`, jittered by [0.8, 1.2] and
 * capped again), and waits at least the error's `Retry-After`. A `Retry-After` longer than `max_delay`
 * stops retrying: the module asked for more patience than the caller allowed, and retrying early
 * would only be refused again.
 */
export const retrySchedule = <E>(
  options: RetryOptions,
  classifier: RetryClassifier<E>
): Schedule.Schedule<unknown, E> => {
  const cap = Duration.millis(options.max_delay)
  const capped = backoffSchedule(options).pipe(Schedule.modifyDelay((_, delay) => Duration.min(delay, cap)))
  const spaced = options.jitter
    ? capped.pipe(Schedule.jittered, Schedule.modifyDelay((_, delay) => Duration.min(delay, cap)))
    : capped
  return Schedule.intersect(spaced, Schedule.identity<E>()).pipe(
    Schedule.whileInput((error: E) =>
      classifier.isRetryable(error) &&
      Option.match(classifier.retryAfter(error), {
        onNone: () => true,
        onSome: (wait) => wait <= options.max_delay
      })
    ),
    Schedule.modifyDelay(([, error], delay) =>
      Option.match(classifier.retryAfter(error), {
        onNone: () => delay,
        onSome: (wait) => Duration.max(delay, Duration.millis(wait))
      })
    ),
    Schedule.intersect(Schedule.recurs(options.retry ?? 0))
  )
}
