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

/** No answer within the call's deadline. */
export class InvokeTimedOut extends Schema.TaggedError<InvokeTimedOut>()("InvokeTimedOut", {
  executor_id: Schema.String,
  timeout_ms: Schema.Number
}) {
  get message(): string {
    return `module ${this.executor_id} did not answer within ${this.timeout_ms} ms: the module is slow or stuck; ` +
      `raise http.request_timeout_ms only if the work really takes that long`
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

/** Any invocation failure. */
export type InvokeError =
  | ModuleNotReady
  | InvokeTimedOut
  | ResponseTooLarge
  | MalformedResponse
  | UnexpectedStatus
  | TransportFailed
