/**
 * The `with` options of a call (CONTRACTS §3.5) as one Schema: decoded from the node config, encoded back
 * for operators, and used as the generator of property tests.
 */
import { Option, ParseResult, Schema } from "effect"
import { DurationMillis, formatMillis, parseMillis } from "../contract/DurationString.js"
import { JsonValue } from "./CanonicalJson.js"

/** How the delay between retries grows: `fixed` = delay, `linear` = delay × n, `exponential` = delay × 2^(n-1). */
export const Backoff = Schema.Literal("fixed", "linear", "exponential")
/** @see Backoff */
export type Backoff = typeof Backoff.Type

/** What a failed call becomes: `propagate` fails, `skip` gives no value, `wrap` gives `{ ok: false, error }`. */
export const OnError = Schema.Literal("propagate", "skip", "wrap")
/** @see OnError */
export type OnError = typeof OnError.Type

/** Default cap of the delay between retries (Constellation's cap, also cockatiel's `maxDelay`). */
export const defaultMaxDelayMillis = 30_000

const PositiveInt = Schema.Int.pipe(Schema.greaterThanOrEqualTo(1))

const PositiveDuration = DurationMillis.pipe(
  Schema.filter((millis) => millis > 0 || "must be longer than 0ms")
)

const ThrottleRate = Schema.Struct({
  permits: PositiveInt,
  windowMillis: Schema.Number.pipe(Schema.greaterThan(0))
})

/** A rate limit `"N/duration"` (`"100/1s"`, `"10/min"`): at most N calls start in any window of that length. */
export const ThrottleSpec = Schema.transformOrFail(Schema.String, ThrottleRate, {
  strict: true,
  decode: (text, _, ast) => {
    const match = /^\s*(\d+)\s*\/\s*(.+)$/.exec(text)
    const permits = match?.[1] === undefined ? Number.NaN : Number(match[1])
    const window = match?.[2] === undefined
      ? Option.none()
      : parseMillis(/^\s*\d/.test(match[2]) ? match[2] : `1${match[2]}`)
    if (!Number.isSafeInteger(permits) || permits < 1 || Option.isNone(window) || window.value <= 0) {
      return ParseResult.fail(
        new ParseResult.Type(
          ast,
          text,
          `"${text}" is not a rate: write "<calls>/<duration>" with at least one call and a duration above 0, for example "100/1s" or "10/min"`
        )
      )
    }
    return ParseResult.succeed({ permits, windowMillis: window.value })
  },
  encode: (rate) => ParseResult.succeed(`${rate.permits}/${formatMillis(rate.windowMillis)}`)
}).annotations({ identifier: "Throttle", description: "a rate such as \"100/1s\"" })
/** @see ThrottleSpec */
export type ThrottleSpec = typeof ThrottleSpec.Type

/** Circuit breaker: open after `failures` consecutive failures, probe after `reset`, close after probes succeed. */
export const CircuitBreakerOptions = Schema.Struct({
  failures: PositiveInt,
  reset: PositiveDuration,
  half_open_probes: Schema.optionalWith(PositiveInt, { default: () => 1 })
}).annotations({ identifier: "CircuitBreakerOptions", parseOptions: { onExcessProperty: "error" } })
/** @see CircuitBreakerOptions */
export type CircuitBreakerOptions = typeof CircuitBreakerOptions.Type

/** The `with` options of one call site; absent options are off, the others have the defaults shown. */
export const CallOptions = Schema.Struct({
  /** Retries after the first attempt: N gives at most N+1 attempts. */
  retry: Schema.optionalWith(Schema.NonNegativeInt, { exact: true }),
  /** Limit of each attempt. */
  timeout: Schema.optionalWith(PositiveDuration, { exact: true }),
  /** Base delay between retries. */
  delay: Schema.optionalWith(DurationMillis, { exact: true }),
  backoff: Schema.optionalWith(Backoff, { exact: true }),
  /** Cap of any delay between retries. */
  max_delay: Schema.optionalWith(DurationMillis, { default: () => defaultMaxDelayMillis }),
  /** Multiply each delay by a random factor in [0.8, 1.2] (still capped at `max_delay`). */
  jitter: Schema.optionalWith(Schema.Boolean, { default: () => true }),
  /** A value of the output type used once retries are exhausted (type-checked where the call is defined). */
  fallback: Schema.optionalWith(JsonValue, { exact: true }),
  /** Time to live of a cached answer. */
  cache: Schema.optionalWith(PositiveDuration, { exact: true }),
  /** Calls of this module in flight at once, across all callers. */
  concurrency: Schema.optionalWith(PositiveInt, { exact: true }),
  throttle: Schema.optionalWith(ThrottleSpec, { exact: true }),
  circuit_breaker: Schema.optionalWith(CircuitBreakerOptions, { exact: true }),
  on_error: Schema.optionalWith(OnError, { default: () => "propagate" }),
  /** Whether running the call twice is harmless; only advisory here (see `lint`). */
  idempotent: Schema.optionalWith(Schema.Boolean, { default: () => true })
}).annotations({ identifier: "CallOptions", parseOptions: { onExcessProperty: "error" } })
/** Decoded call options (durations in milliseconds). */
export type CallOptions = typeof CallOptions.Type
/** Call options as the config file writes them. */
export type CallOptionsEncoded = typeof CallOptions.Encoded

/** Options with everything off: one attempt, no limits. */
export const noCallOptions: CallOptions = CallOptions.make({})

/** Decodes call options from config JSON; unknown keys are errors that name the key. */
export const decodeCallOptions = Schema.decodeUnknown(CallOptions, { errors: "all" })

/** A combination of options that is legal but does not do what its author probably meant. */
export interface CallOptionsWarning {
  /** The options involved, as written in config. */
  readonly options: ReadonlyArray<string>
  /** One sentence: what is wrong and what to change. */
  readonly message: string
}

/** Above this many retries a call can hold its caller for a long time; Constellation warns at the same point. */
export const highRetryCount = 10

/** Warnings for combinations of options that make no sense; an empty list means nothing to change. */
export const lint = (options: CallOptions): ReadonlyArray<CallOptionsWarning> => {
  const warnings: Array<CallOptionsWarning> = []
  const warn = (names: ReadonlyArray<string>, message: string) => warnings.push({ options: names, message })
  const retries = options.retry ?? 0

  if (options.delay !== undefined && retries === 0) {
    warn(["delay", "retry"], "`delay` only spaces retries and there are none: add `retry: N` or remove `delay`.")
  }
  if (options.backoff !== undefined && retries === 0) {
    warn(["backoff", "retry"], "`backoff` only spaces retries and there are none: add `retry: N` or remove `backoff`.")
  }
  if (options.backoff !== undefined && options.backoff !== "fixed" && (options.delay ?? 0) === 0) {
    warn(
      ["backoff", "delay"],
      `\`backoff: ${options.backoff}\` grows \`delay\`, which is ${
        options.delay === undefined ? "not set" : "0ms"
      }, so retries are immediate: add \`delay\` (for example "100ms") or remove \`backoff\`.`
    )
  }
  if (options.delay !== undefined && options.delay > options.max_delay) {
    warn(
      ["delay", "max_delay"],
      `\`delay\` (${formatMillis(options.delay)}) is above \`max_delay\` (${
        formatMillis(options.max_delay)
      }), so every retry waits ${formatMillis(options.max_delay)}: lower \`delay\` or raise \`max_delay\`.`
    )
  }
  if (retries > highRetryCount) {
    warn(
      ["retry"],
      `\`retry: ${retries}\` makes up to ${
        retries + 1
      } attempts per call, which can hold callers for long: use at most ${highRetryCount} and add a \`fallback\` or \`circuit_breaker\`.`
    )
  }
  if (!options.idempotent && retries > 0) {
    warn(
      ["retry", "idempotent"],
      "`retry` can run a non-idempotent call twice: remove `retry`, or make the module deduplicate by its `X-Execution-Id` header and set `idempotent: true`."
    )
  }
  if (!options.idempotent && options.cache !== undefined) {
    warn(
      ["cache", "idempotent"],
      "`cache` answers a non-idempotent call without running it: remove `cache`, or set `idempotent: true` if running it twice is harmless."
    )
  }
  if (options.fallback !== undefined && options.on_error !== "propagate") {
    warn(
      ["fallback", "on_error"],
      `\`on_error: ${options.on_error}\` never applies because \`fallback\` replaces every error: remove one of them.`
    )
  }
  if (options.circuit_breaker !== undefined && retries > 0 && retries + 1 >= options.circuit_breaker.failures) {
    warn(
      ["retry", "circuit_breaker"],
      `one call makes up to ${retries + 1} attempts, enough to open the breaker (\`failures: ${options.circuit_breaker.failures}\`) on its own: raise \`circuit_breaker.failures\` above ${
        retries + 1
      } or lower \`retry\`.`
    )
  }
  return warnings
}
