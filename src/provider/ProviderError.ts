/**
 * The errors a provider call can end with (CONTRACTS §3.4), each naming the provider, the call
 * (URL, execution id, attempt), what happened and what to check next, in the spirit of the RFC's
 * "Failure Philosophy". `Timeout` and `CircuitOpen` are raised by the call policies and re-exported
 * here, so there is one class of each whichever path called the module.
 */
import { Option, Schema } from "effect"
import { formatMismatches } from "../typelang/TypeCheck.js"
import { CircuitOpen, Timeout } from "../resilience/ResilienceErrors.js"

export { CircuitOpen, Timeout }

/** One field-level difference between a type and a value (see `TypeCheck.diff`). */
export const MismatchSchema = Schema.Struct({ path: Schema.String, expected: Schema.String, received: Schema.String })

/** Where an attempt went: the provider, its URL, the call's execution id and the attempt number. */
const CallFields = {
  module: Schema.String,
  url: Schema.String,
  executionId: Schema.String,
  attempt: Schema.Int
}

const where = (e: { readonly module: string; readonly url: string; readonly executionId: string; readonly attempt: number }) =>
  `Provider "${e.module}" (POST ${e.url}, execution ${e.executionId}, attempt ${e.attempt})`

const healthHint = (url: string): string => {
  const origin = URL.canParse(url) ? new URL(url).origin : url
  return `check that the provider is running and reachable (curl ${origin}/...; see its health_url)`
}

/** The request got no HTTP answer: refused, reset, DNS, or a supervised provider that is not serving. */
export class NetworkError extends Schema.TaggedError<NetworkError>("orbiplex/provider/NetworkError")("NetworkError", {
  ...CallFields,
  detail: Schema.String
}) {
  /** What failed and what to check. */
  override get message(): string {
    return `${where(this)} could not be reached: ${this.detail}. Next: ${healthHint(this.url)}; the call is retried if its \`retry\` option allows.`
  }
}

/** The input did not match the provider's `input_schema`; no request was sent. */
export class InputTypeMismatch extends Schema.TaggedError<InputTypeMismatch>("orbiplex/provider/InputTypeMismatch")(
  "InputTypeMismatch",
  {
    module: Schema.String,
    expected: Schema.String,
    mismatches: Schema.Array(MismatchSchema)
  }
) {
  /** The expected type, the differences field by field, and the fix. */
  override get message(): string {
    return `Provider "${this.module}" was not called: the input is not of its input_schema.\n  Expected: ${this.expected}\n  Differences: ${
      formatMismatches(this.mismatches)
    }\n  Next: pass a value of that type (in a pipeline, map each input field to a reference or literal of its type).`
  }
}

/** A 200 answer whose body is not of the provider's `output_schema`. */
export class OutputTypeMismatch extends Schema.TaggedError<OutputTypeMismatch>("orbiplex/provider/OutputTypeMismatch")(
  "OutputTypeMismatch",
  {
    ...CallFields,
    expected: Schema.String,
    mismatches: Schema.Array(MismatchSchema)
  }
) {
  /** Expected vs received, field by field, and what to check. */
  override get message(): string {
    return `${where(this)} answered a value that is not of its output_schema.\n  Expected: ${this.expected}\n  Differences: ${
      formatMismatches(this.mismatches)
    }\n  Next: did the provider's API change? Check its logs, or fix output_schema in the node config if the provider is right.`
  }
}

/** The provider answered with the error body of CONTRACTS §3.3; its code, message and details are kept. */
export class ExecutionFailed extends Schema.TaggedError<ExecutionFailed>("orbiplex/provider/ExecutionFailed")(
  "ExecutionFailed",
  {
    ...CallFields,
    status: Schema.Int,
    /** The provider's code: `TYPE_ERROR`, `RUNTIME_ERROR`, `TIMEOUT`, `INTERNAL_ERROR` (or its own). */
    code: Schema.String,
    /** The provider's own message, verbatim. */
    providerMessage: Schema.String,
    details: Schema.optionalWith(Schema.Unknown, { exact: true }),
    /** The wait a 503 asked for in `Retry-After`, in milliseconds. */
    retryAfterMs: Schema.optionalWith(Schema.Number, { exact: true })
  }
) {
  /** The provider's code and message, and what to do about that code. */
  override get message(): string {
    const next = this.code === "TYPE_ERROR"
      ? "the provider refused the input: compare its input_schema in the node config with what the provider expects"
      : this.code === "TIMEOUT"
      ? "the provider ran out of time: raise the `timeout` call option if the work is legitimately slow"
      : this.status >= 500
      ? "read the provider's logs for this execution id; the call is retried if its `retry` option allows"
      : "the provider refused the call: fix the input or the provider; a 4xx answer is never retried"
    return `${where(this)} failed: HTTP ${this.status} ${this.code}: ${this.providerMessage}. Next: ${next}.`
  }
}

/** A status the protocol does not define, without the error body (e.g. a proxy's 502, a 404 for a wrong URL). */
export class UnexpectedStatus extends Schema.TaggedError<UnexpectedStatus>("orbiplex/provider/UnexpectedStatus")(
  "UnexpectedStatus",
  {
    ...CallFields,
    status: Schema.Int,
    /** The start of the body, for the message. */
    body: Schema.String,
    retryAfterMs: Schema.optionalWith(Schema.Number, { exact: true })
  }
) {
  /** The status, what the body began with, and the likely cause. */
  override get message(): string {
    const next = this.status === 404 || this.status === 405
      ? "check the provider's `url` in the node config (the path must accept POST)"
      : this.status === 502 || this.status === 504
      ? "a gateway in front of the provider could not reach it or timed out; check that the provider runs; the call is retried if its `retry` option allows"
      : this.status === 503 || this.status === 429
      ? "the provider is overloaded; the call waits for its Retry-After and is retried if its `retry` option allows (consider `throttle` or `concurrency`)"
      : "read the provider's logs; answers other than 200 must carry {\"error\":{\"code\",\"message\"}}"
    return `${where(this)} answered HTTP ${this.status} without a protocol error body (${JSON.stringify(this.body)}). Next: ${next}.`
  }
}

/** A 200 answer that is not JSON, or larger than the provider's `max_response_bytes`. */
export class InvalidResponse extends Schema.TaggedError<InvalidResponse>("orbiplex/provider/InvalidResponse")("InvalidResponse", {
  ...CallFields,
  detail: Schema.String
}) {
  /** What was wrong with the answer and what to check. */
  override get message(): string {
    return `${where(this)} answered something that is not a JSON output record: ${this.detail}. Next: check the provider's logs and that it answers Content-Type: application/json.`
  }
}

/** A call named a provider the node does not have. */
export class UnknownProvider extends Schema.TaggedError<UnknownProvider>("orbiplex/provider/UnknownProvider")("UnknownProvider", {
  module: Schema.String,
  known: Schema.Array(Schema.String)
}) {
  /** The name and the names that exist. */
  override get message(): string {
    return `No provider named "${this.module}"; the node has: ${this.known.join(", ") || "(none)"}. Next: declare it under "providers" in the node config.`
  }
}

/** What one HTTP attempt can fail with. */
export type AttemptError = NetworkError | ExecutionFailed | UnexpectedStatus | InvalidResponse | OutputTypeMismatch

/** What a policed provider call can fail with. */
export type ProviderCallError = AttemptError | InputTypeMismatch | Timeout | CircuitOpen

/** Whether a value is one of the errors of an attempt (for the call policies' shared-flight guard). */
export const isAttemptError = (u: unknown): u is AttemptError =>
  u instanceof NetworkError || u instanceof ExecutionFailed || u instanceof UnexpectedStatus ||
  u instanceof InvalidResponse || u instanceof OutputTypeMismatch

/**
 * Statuses worth another attempt even without the protocol's error body: 429 and 503 ask for it, and a
 * 502 or 504 is what a proxy or gateway in front of a provider answers when the provider is briefly gone,
 * the same transient failure RFC-024 retries as a 5xx `ExecutionFailed`.
 */
export const retryableStatuses: ReadonlySet<number> = new Set([429, 502, 503, 504])

/**
 * The retry classification of CONTRACTS §3.4: network errors, 5xx `ExecutionFailed`, and 502/503/504/429
 * without a body are worth another attempt (timeouts are retried by the policies themselves); 4xx answers, type errors
 * and malformed answers never are, since the same request would get the same answer.
 */
export const isRetryable = (error: AttemptError): boolean => {
  switch (error._tag) {
    case "NetworkError":
      return true
    case "ExecutionFailed":
      return error.status >= 500
    case "UnexpectedStatus":
      return retryableStatuses.has(error.status)
    case "InvalidResponse":
    case "OutputTypeMismatch":
      return false
  }
}

/** The wait an error asked for (`Retry-After` of a 503/429), in milliseconds. */
export const retryAfterOf = (error: AttemptError): Option.Option<number> =>
  (error._tag === "ExecutionFailed" || error._tag === "UnexpectedStatus") && error.retryAfterMs !== undefined
    ? Option.some(error.retryAfterMs)
    : Option.none()

/**
 * Reads a `Retry-After` header: delay-seconds or an HTTP date, in milliseconds from `nowMs`;
 * undefined when absent or unreadable.
 */
export const parseRetryAfter = (header: string | undefined, nowMs: number): number | undefined => {
  if (header === undefined) return undefined
  const text = header.trim()
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1_000)
  const at = Date.parse(text)
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs)
}

/** Call options given to a provider call that do not decode; nothing was sent. */
export class InvalidCallOptions extends Schema.TaggedError<InvalidCallOptions>("orbiplex/provider/InvalidCallOptions")("InvalidCallOptions", {
  module: Schema.String,
  problems: Schema.Array(Schema.String)
}) {
  /** Every problem with the options. */
  override get message(): string {
    return `The call options of provider "${this.module}" are not valid, so it was not called: ${this.problems.join("; ")}. Next: fix the \`with\` options (the provider's defaults in the node config, or the call's own).`
  }
}
