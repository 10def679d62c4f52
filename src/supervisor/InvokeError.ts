/**
 * Every way an invocation of a supervised module can fail, each naming the module and what to do.
 */
import { Schema } from "effect"

/** The module is not serving (starting, restarting, stopped or failed) and the call could not wait. */
export class ModuleNotReady extends Schema.TaggedError<ModuleNotReady>()("ModuleNotReady", {
  executor_id: Schema.String,
  state: Schema.String
}) {
  get message(): string {
    return `module ${this.executor_id} is ${this.state}, not ready: check \`orbiplex\` lifecycle facts for why ` +
      `(or let the call wait for a restart with whileRestarting: "wait")`
  }
}

/** Which bound ended a call: the caller's own (a hook's deadline, `timeoutMs`), the envelope's `deadline_ms`, or the module's `http.request_timeout_ms`. */
export const TimeoutLimit = Schema.Literal("caller", "deadline_ms", "request_timeout_ms")
/** Which bound ended a call. */
export type TimeoutLimit = typeof TimeoutLimit.Type

/** No answer within the call's deadline; `limit` names the bound that fired. */
export class InvokeTimedOut extends Schema.TaggedError<InvokeTimedOut>()("InvokeTimedOut", {
  executor_id: Schema.String,
  timeout_ms: Schema.Number,
  limit: TimeoutLimit
}) {
  get message(): string {
    const which = this.limit === "request_timeout_ms"
      ? `its http.request_timeout_ms (${this.timeout_ms} ms): the module is slow or stuck; ` +
        `raise http.request_timeout_ms only if the work really takes that long`
      : this.limit === "deadline_ms"
      ? `the envelope's deadline_ms (${this.timeout_ms} ms): the module is slow, or the caller left it too little time`
      : `the caller's deadline (${this.timeout_ms} ms left of the hook's deadline or the call's timeoutMs), ` +
        `shorter than http.request_timeout_ms: raise the hook's deadline if the module needs longer`
    return `module ${this.executor_id} did not answer within ${which}`
  }
}

/** The answer grew past `max_response_bytes`; reading stopped there. */
export class ResponseTooLarge extends Schema.TaggedError<ResponseTooLarge>()("ResponseTooLarge", {
  executor_id: Schema.String,
  limit_bytes: Schema.Number
}) {
  get message(): string {
    return `module ${this.executor_id} answered more than ${this.limit_bytes} bytes; the host stopped reading: ` +
      `make the module answer less, or raise http.max_response_bytes`
  }
}

/** The answer was not JSON, or not a valid decision. */
export class MalformedResponse extends Schema.TaggedError<MalformedResponse>()("MalformedResponse", {
  executor_id: Schema.String,
  detail: Schema.String
}) {
  get message(): string {
    return `module ${this.executor_id} answered something that is not a valid middleware-decision.v1: ${this.detail}`
  }
}

/** The module answered an HTTP status other than 200 (its error body kept when it sent one). */
export class UnexpectedStatus extends Schema.TaggedError<UnexpectedStatus>()("UnexpectedStatus", {
  executor_id: Schema.String,
  status: Schema.Number,
  code: Schema.optional(Schema.String),
  detail: Schema.String
}) {
  get message(): string {
    const hint = this.status === 401
      ? "the token was refused: the module must read ORBIPLEX_MIDDLEWARE_AUTHTOK_FILE"
      : this.status === 503
      ? "the module is saturated (max_in_flight); the call waited as long as its deadline allowed"
      : "read the module's stderr lines for the cause"
    return `module ${this.executor_id} answered HTTP ${this.status}${this.code === undefined ? "" : ` ${this.code}`}: ` +
      `${this.detail} (${hint})`
  }
}

/** The connection failed (refused, reset), even after one retry. */
export class TransportFailed extends Schema.TaggedError<TransportFailed>()("TransportFailed", {
  executor_id: Schema.String,
  detail: Schema.String
}) {
  get message(): string {
    return `cannot reach module ${this.executor_id}: ${this.detail} (it may have just crashed; see its lifecycle facts)`
  }
}

/**
 * The module's process exited while this call was in flight. The call was not sent again (it may be
 * the input that killed it); `InvokeOptions.retryOnCrash` allows that for idempotent calls.
 */
export class ModuleCrashed extends Schema.TaggedError<ModuleCrashed>()("ModuleCrashed", {
  executor_id: Schema.String,
  pid: Schema.Number,
  exit_code: Schema.NullOr(Schema.Number),
  signal: Schema.NullOr(Schema.String),
  /** The module's last stderr lines before it exited, oldest first. */
  stderr_tail: Schema.Array(Schema.String)
}) {
  get message(): string {
    const how = this.signal !== null ? `was killed by ${this.signal}` : `exited with code ${this.exit_code ?? "unknown"}`
    const tail = this.stderr_tail.length === 0
      ? " (it wrote nothing to stderr)"
      : `; its last stderr lines:\n${this.stderr_tail.map((line) => `  | ${line}`).join("\n")}`
    return `module ${this.executor_id} (pid ${this.pid}) ${how} while handling this call, which was not sent again ` +
      `(it may be the input that crashes it; set retryOnCrash only for calls that are safe to repeat)${tail}`
  }
}

/** Any invocation failure. */
export type InvokeError =
  | ModuleNotReady
  | InvokeTimedOut
  | ResponseTooLarge
  | MalformedResponse
  | UnexpectedStatus
  | TransportFailed
  | ModuleCrashed
