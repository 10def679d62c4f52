/**
 * HTTP for provider calls: one undici `Agent` (keep-alive pool) owned by the layer's scope, each
 * request sent by the core it shares with the supervisor's `LoopbackTransport` (`Effect.async`, an
 * `AbortController` so an interrupted call aborts its request, a bounded body read). This one also
 * serves remote providers (any http/https origin) and health checks (GET), and reports the
 * transport error code.
 */
import { Context, Effect, Layer } from "effect"
import { Agent } from "../internal/UndiciAgent.js"
import { type HttpAnswer, makeSendRequest, type RequestFailures } from "../internal/UndiciRequest.js"

export type {
  /** An HTTP answer, its body read within the byte limit. */
  HttpAnswer
} from "../internal/UndiciRequest.js"

/** Why a request got no usable answer. */
export type TransportFailure =
  | { readonly _tag: "Transport"; readonly detail: string }
  | { readonly _tag: "TooLarge"; readonly limit: number }
  | { readonly _tag: "TimedOut"; readonly timeoutMs: number }

/** One request. */
export interface HttpRequest {
  readonly method: "GET" | "POST"
  /** `http://host:port`. */
  readonly origin: string
  /** Path and query. */
  readonly path: string
  readonly headers: Readonly<Record<string, string>>
  readonly body?: string
  readonly maxBytes: number
  /** A bound of its own, so no request is ever unbounded, whatever its caller does. */
  readonly timeoutMs: number
}

/** Sends provider requests over pooled keep-alive connections. */
export class ProviderTransport extends Context.Tag("orbiplex/ProviderTransport")<ProviderTransport, {
  readonly request: (request: HttpRequest) => Effect.Effect<HttpAnswer, TransportFailure>
}>() {}

const describeFailure = (error: unknown): string => {
  if (error instanceof Error) {
    const code = "code" in error && typeof error.code === "string" ? error.code : undefined
    // undici reports "connect ECONNREFUSED 127.0.0.1:9" already; other errors get their code added.
    return code !== undefined && !error.message.includes(code) ? `${code}: ${error.message}` : error.message
  }
  return String(error)
}

const failures: RequestFailures<TransportFailure> = {
  tooLarge: (limits) => ({ _tag: "TooLarge", limit: limits.maxBytes }),
  timedOut: (limits) => ({ _tag: "TimedOut", timeoutMs: limits.timeoutMs }),
  transport: (error) => ({ _tag: "Transport", detail: describeFailure(error) })
}

/** Builds the transport over one Agent, destroyed with the scope. */
export const make = Effect.gen(function*() {
  const agent = yield* Effect.acquireRelease(
    // Idle sockets are dropped before a provider's server would drop them, so a reused socket is live.
    Effect.sync(() => new Agent({ keepAliveTimeout: 4_000, keepAliveMaxTimeout: 10_000, pipelining: 1 })),
    (agent) => Effect.promise(() => agent.destroy())
  )
  const send = makeSendRequest(agent, failures)
  // The request carries its own limits (maxBytes, timeoutMs), so it is passed as them.
  return ProviderTransport.of({
    request: (req) => send(req.method, req.origin, req.path, req.headers, req.body ?? null, req)
  })
})

/** The transport as a layer. */
export const layer: Layer.Layer<ProviderTransport> = Layer.scoped(ProviderTransport, make)
