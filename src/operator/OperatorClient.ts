/**
 * A client of the operator API, for `orbiplex status` / `orbiplex module` and for tests: each call
 * is bounded by a timeout (undici's are off) and answers are decoded with the API's own schemas.
 */
import { HttpClient, HttpClientRequest, type HttpClientResponse } from "@effect/platform"
import { Duration, Effect, Schema } from "effect"
import { ModuleStatus } from "../contract/ModuleStatus.js"
import { FactList, ModuleDetail, ModuleList, type ModuleAction, OperatorErrorBody, TraceList } from "./OperatorApi.js"
import { type ListenAddress, parseListenAddress } from "./OperatorConfig.js"

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

/** The node answered with an error (unknown module, bad request) or with something unreadable. */
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
export type OperatorClientError = OperatorUnreachable | OperatorRequestFailed

/** Parses a `--operator` value. */
export const parseOperatorAddress = (text: string): Effect.Effect<ListenAddress, OperatorAddressInvalid> =>
  Effect.mapError(parseListenAddress(text), (detail) => new OperatorAddressInvalid({ detail }))

/** Calls the operator API at `base`; the timeout covers the request and reading the body. */
export const makeOperatorClient = (base: string, timeout: Duration.DurationInput = Duration.seconds(40)) =>
  Effect.map(HttpClient.HttpClient, (http) => {
    const call = <A, I>(request: HttpClientRequest.HttpClientRequest, schema: Schema.Schema<A, I>) =>
      Effect.gen(function*() {
        const response = yield* http.execute(request).pipe(
          Effect.timeout(timeout),
          Effect.mapError((error) =>
            new OperatorUnreachable({ url: request.url, detail: error._tag === "TimeoutException" ? "timed out" : `${error.message}: ${String(error.cause)}` })
          )
        )
        return yield* decode(request.url, response, schema)
      }).pipe(Effect.scoped)
    return {
      /** Every module's status. */
      list: Effect.map(call(HttpClientRequest.get(`${base}/v1/modules`), ModuleList), (body) => body.modules),
      /** One module's status and lifecycle facts. */
      inspect: (id: string) => call(HttpClientRequest.get(`${base}/v1/modules/${encodeURIComponent(id)}`), ModuleDetail),
      /** Starts, stops or restarts a module; answers its status afterwards. */
      act: (id: string, action: ModuleAction) =>
        call(HttpClientRequest.post(`${base}/v1/modules/${encodeURIComponent(id)}/${action}`), ModuleStatus),
      /** Lifecycle facts, optionally of one module. */
      facts: (id?: string) =>
        call(
          HttpClientRequest.get(`${base}/v1/facts`).pipe(HttpClientRequest.setUrlParams(id === undefined ? {} : { module: id })),
          FactList
        ),
      /** Chain traces of one correlation id. */
      traces: (correlationId: string) =>
        call(
          HttpClientRequest.get(`${base}/v1/traces`).pipe(HttpClientRequest.setUrlParams({ correlation_id: correlationId })),
          TraceList
        )
    }
  })

const decode = <A, I>(url: string, response: HttpClientResponse.HttpClientResponse, schema: Schema.Schema<A, I>) =>
  Effect.gen(function*() {
    const body = yield* Effect.mapError(response.json, (error) =>
      new OperatorRequestFailed({ url, status: response.status, error: "UnreadableBody", detail: error.message }))
    if (response.status >= 400) {
      const failure = yield* Schema.decodeUnknown(OperatorErrorBody)(body).pipe(
        Effect.orElseSucceed(() => ({ error: "UnexpectedBody", message: JSON.stringify(body) }))
      )
      return yield* new OperatorRequestFailed({ url, status: response.status, error: failure.error, detail: failure.message })
    }
    return yield* Effect.mapError(Schema.decodeUnknown(schema)(body), (error) =>
      new OperatorRequestFailed({ url, status: response.status, error: "UnexpectedBody", detail: error.message }))
  })
