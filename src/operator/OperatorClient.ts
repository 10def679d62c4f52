/**
 * A client of the operator API, for `orbiplex status` / `orbiplex module` and for tests, derived
 * from `OperatorHttpApi` (no route or body is written here again). Every call carries the bearer
 * token and is bounded by a timeout (undici's are off), so a stuck node never hangs the CLI.
 */
import { type HttpApiError, HttpApiClient, HttpClient, type HttpClientError, HttpClientRequest } from "@effect/platform"
import { type Cause, Duration, Effect, type ParseResult, Redacted, Schema } from "effect"
import type { ModuleStatus } from "../contract/ModuleStatus.js"
import type { ModuleAction } from "./ModulesApi.js"
import { type ListenAddress, parseListenAddress } from "./OperatorConfig.js"
import type {
  Forbidden,
  MalformedJson,
  ModuleNotFound,
  PayloadTooLarge,
  NoSuchRoute,
  Unauthorized,
  UnsupportedMediaType
} from "./OperatorErrors.js"
import { ERROR_STATUS } from "./OperatorErrors.js"
import { OperatorHttpApi } from "./OperatorHttpApi.js"

/** Nothing answered at the operator address. */
export class OperatorUnreachable extends Schema.TaggedError<OperatorUnreachable>()("OperatorUnreachable", {
  url: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `no orbiplex node answers at ${this.url} (${this.detail}). Start it with the operator API enabled, ` +
      `e.g. \`"operator": { "listen": "127.0.0.1:7070" }\` in the config, then \`orbiplex start\`; ` +
      `or pass --operator with the address it listens on.`
  }
}

/** The node took the request but did not answer in time. */
export class OperatorTimedOut extends Schema.TaggedError<OperatorTimedOut>()("OperatorTimedOut", {
  url: Schema.String,
  after: Schema.String
}) {
  override get message(): string {
    return `the node at ${this.url} did not answer within ${this.after}: it may be overloaded or stuck. ` +
      `Check its log; \`orbiplex status\` again shows whether it recovered`
  }
}

/** The node answered with an error (unknown module, bad request, refused) or with something unreadable. */
export class OperatorRequestFailed extends Schema.TaggedError<OperatorRequestFailed>()("OperatorRequestFailed", {
  url: Schema.String,
  status: Schema.Int,
  error: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `${this.url} answered ${this.status} ${this.error}: ${this.detail}`
  }
}

/** The operator address given on a command line was not a loopback host:port. */
export class OperatorAddressInvalid extends Schema.TaggedError<OperatorAddressInvalid>()("OperatorAddressInvalid", {
  detail: Schema.String
}) {
  override get message(): string {
    return `--operator ${this.detail}`
  }
}

/** The errors a client call may end with. */
export type OperatorClientError = OperatorUnreachable | OperatorTimedOut | OperatorRequestFailed

/** Parses a `--operator` value. */
export const parseOperatorAddress = (text: string): Effect.Effect<ListenAddress, OperatorAddressInvalid> =>
  Effect.mapError(parseListenAddress(text), (detail) => new OperatorAddressInvalid({ detail }))

/** How long calls may take. */
export interface ClientTimeouts {
  /** Reads (list, inspect, facts, traces): 10 s by default. */
  readonly read?: Duration.DurationInput
  /** Actions, which wait for the module to serve or fail (the server gives up after 30 s): 40 s by default. */
  readonly action?: Duration.DurationInput
}

type ApiFailure =
  | ModuleNotFound
  | Unauthorized
  | Forbidden
  | PayloadTooLarge
  | UnsupportedMediaType
  | MalformedJson
  | NoSuchRoute
  | HttpApiError.HttpApiDecodeError

type CallFailure = ApiFailure | HttpClientError.HttpClientError | ParseResult.ParseError | Cause.TimeoutException

/**
 * The innermost reason of a transport error: `fetch` wraps the socket's error ("connect
 * ECONNREFUSED 127.0.0.1:7070") in a "fetch failed" TypeError, which alone tells an operator nothing.
 */
const rootCause = (cause: unknown): string => {
  let current = cause
  for (let depth = 0; depth < 8 && current instanceof Error && current.cause instanceof Error; depth++) current = current.cause
  return current instanceof Error ? current.message : String(current)
}

const classify = (url: string, timeout: Duration.Duration) => (error: CallFailure): OperatorClientError => {
  switch (error._tag) {
    case "TimeoutException":
      return new OperatorTimedOut({ url, after: Duration.format(timeout) })
    case "RequestError":
      return new OperatorUnreachable({ url, detail: `${error.message}: ${rootCause(error.cause)}` })
    case "ResponseError":
      return new OperatorRequestFailed({ url, status: error.response.status, error: "UnreadableBody", detail: error.message })
    case "ParseError":
      return new OperatorRequestFailed({ url, status: 0, error: "UnexpectedBody", detail: error.message })
    default:
      return new OperatorRequestFailed({ url, status: ERROR_STATUS[error._tag], error: error._tag, detail: error.message })
  }
}

/** Calls the operator API at `base` with `token`. */
export const makeOperatorClient = (base: string, token: Redacted.Redacted<string>, timeouts: ClientTimeouts = {}) =>
  Effect.gen(function*() {
    const client = yield* HttpApiClient.make(OperatorHttpApi, {
      baseUrl: base,
      transformClient: HttpClient.mapRequest(HttpClientRequest.bearerToken(Redacted.value(token)))
    })
    const read = Duration.decode(timeouts.read ?? Duration.seconds(10))
    const action = Duration.decode(timeouts.action ?? Duration.seconds(40))
    const bounded = (what: string, timeout: Duration.Duration) => <A>(effect: Effect.Effect<A, CallFailure>) =>
      effect.pipe(Effect.timeout(timeout), Effect.mapError(classify(`${base}${what}`, timeout)))
    return {
      /** Every module's status. */
      list: Effect.map(client.modules.list(), (body) => body.modules).pipe(bounded("/v1/modules", read)),
      /** One module's status and lifecycle facts. */
      inspect: (id: string) => client.modules.inspect({ path: { id } }).pipe(bounded(`/v1/modules/${id}`, read)),
      /** Starts, stops or restarts a module; answers its status afterwards. */
      act: (id: string, action_: ModuleAction): Effect.Effect<ModuleStatus, OperatorClientError> =>
        client.modules.act({ path: { id, action: action_ } }).pipe(bounded(`/v1/modules/${id}/${action_}`, action)),
      /** Lifecycle facts, optionally of one module. */
      facts: (id?: string) =>
        client.facts.list({ urlParams: id === undefined ? {} : { module: id } }).pipe(bounded("/v1/facts", read)),
      /** Reads the node's config file again and applies what changed (or says why not). */
      reload: client.reload.reload().pipe(bounded("/v1/reload", action)),
      /** Chain traces of one correlation id. */
      traces: (correlationId: string) =>
        client.traces.list({ urlParams: { correlation_id: correlationId } }).pipe(bounded("/v1/traces", read))
    }
  })

/** A client of the operator API. */
export type OperatorClient = Effect.Effect.Success<ReturnType<typeof makeOperatorClient>>
