/**
 * HTTP for provider calls: one undici `Agent` (keep-alive pool) owned by the layer's scope, each
 * request inside `Effect.async` with an `AbortController`, so an interrupted call (its timeout, its
 * caller) aborts the request. Same pattern as the supervisor's `LoopbackTransport`, which measured
 * `@effect/platform` HttpClient at ~0.25 ms extra per loopback call; this one also serves remote
 * providers (any http/https origin), health checks (GET), and reports the transport error code.
 */
import { Context, Effect, Layer } from "effect"
import { Agent } from "undici"

/** An HTTP answer, its body read within the byte limit. */
export interface HttpAnswer {
  readonly status: number
  readonly retryAfter: string | undefined
  readonly body: string
}

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

const decoder = new TextDecoder()

const readLimited = async (body: AsyncIterable<Uint8Array>, maxBytes: number): Promise<string | undefined> => {
  const chunks: Array<Uint8Array> = []
  let size = 0
  for await (const chunk of body) {
    size += chunk.byteLength
    if (size > maxBytes) return undefined
    chunks.push(chunk)
  }
  const joined = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    joined.set(chunk, offset)
    offset += chunk.byteLength
  }
  return decoder.decode(joined)
}

const describeFailure = (error: unknown): string => {
  if (error instanceof Error) {
    const code = "code" in error && typeof error.code === "string" ? error.code : undefined
    // undici reports "connect ECONNREFUSED 127.0.0.1:9" already; other errors get their code added.
    return code !== undefined && !error.message.includes(code) ? `${code}: ${error.message}` : error.message
  }
  return String(error)
}

/** Builds the transport over one Agent, destroyed with the scope. */
export const make = Effect.gen(function*() {
  const agent = yield* Effect.acquireRelease(
    // Idle sockets are dropped before a provider's server would drop them, so a reused socket is live.
    Effect.sync(() => new Agent({ keepAliveTimeout: 4_000, keepAliveMaxTimeout: 10_000, pipelining: 1 })),
    (agent) => Effect.promise(() => agent.destroy())
  )
  return ProviderTransport.of({
    request: (req) =>
      Effect.async<HttpAnswer, TransportFailure>((resume) => {
        const controller = new AbortController()
        const timer = setTimeout(() => controller.abort(), req.timeoutMs)
        agent.request({
          origin: req.origin,
          path: req.path,
          method: req.method,
          headers: req.headers,
          body: req.body ?? null,
          signal: controller.signal
        }).then(async (response) => {
          const declared = Number(response.headers["content-length"])
          if (Number.isFinite(declared) && declared > req.maxBytes) {
            response.body.destroy()
            return resume(Effect.fail({ _tag: "TooLarge", limit: req.maxBytes }))
          }
          // undici frames the body by its content-length, so a declared length bounds what is read.
          const text = Number.isFinite(declared)
            ? await response.body.text()
            : await readLimited(response.body, req.maxBytes)
          if (text === undefined) {
            response.body.destroy()
            return resume(Effect.fail({ _tag: "TooLarge", limit: req.maxBytes }))
          }
          const retryAfter = response.headers["retry-after"]
          resume(Effect.succeed({
            status: response.statusCode,
            retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
            body: text
          }))
        }).catch((error: unknown) => {
          if (controller.signal.aborted) return resume(Effect.fail({ _tag: "TimedOut", timeoutMs: req.timeoutMs }))
          resume(Effect.fail({ _tag: "Transport", detail: describeFailure(error) }))
        }).finally(() => clearTimeout(timer))
        return Effect.sync(() => controller.abort())
      })
  })
})

/** The transport as a layer. */
export const layer: Layer.Layer<ProviderTransport> = Layer.scoped(ProviderTransport, make)
