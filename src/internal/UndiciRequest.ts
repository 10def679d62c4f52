/**
 * The core both HTTP hot paths share (the supervisor's `LoopbackTransport`, the providers'
 * `ProviderTransport`): one undici request inside `Effect.async`, aborted through an
 * `AbortController` when the caller is interrupted or its own timer runs out, its body read within
 * a byte limit. `@effect/platform` HttpClient measured ~0.25 ms extra per loopback call, which is why
 * these calls go to undici directly. Each transport keeps its own error type: the ways a request
 * fails are mapped by functions it builds once, so a call allocates nothing beyond the request.
 */
import { Effect } from "effect"
import type { Agent } from "undici"

/** An HTTP answer, its body read within the byte limit. */
export interface HttpAnswer {
  readonly status: number
  readonly retryAfter: string | undefined
  readonly body: string
}

/** The bounds of one request. */
export interface RequestLimits {
  readonly maxBytes: number
  /** A bound of the request's own, so no request is ever unbounded, whatever its caller does. */
  readonly timeoutMs: number
}

/** How a transport names each way a request can fail. */
export interface RequestFailures<E> {
  /** The body is (or is declared) longer than `limits.maxBytes`. */
  readonly tooLarge: (limits: RequestLimits) => E
  /** `limits.timeoutMs` passed first. */
  readonly timedOut: (limits: RequestLimits) => E
  /** No answer: refused, reset, malformed; `error` is what undici threw. */
  readonly transport: (error: unknown) => E
}

const decoder = new TextDecoder()

const readLimited = async (body: AsyncIterable<Uint8Array>, maxBytes: number): Promise<string | undefined> => {
  const chunks: Array<Uint8Array> = []
  let size = 0
  for await (const chunk of body) {
    size += chunk.byteLength
    if (size > maxBytes) return undefined
    chunks.push(chunk)
  }
  if (chunks.length === 1 && chunks[0] !== undefined) return decoder.decode(chunks[0])
  const joined = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    joined.set(chunk, offset)
    offset += chunk.byteLength
  }
  return decoder.decode(joined)
}

/** The request function of one transport: its pooled `agent`, its `failures`. */
export type SendRequest<E> = (
  method: "GET" | "POST",
  origin: string,
  path: string,
  headers: Readonly<Record<string, string>>,
  body: string | null,
  limits: RequestLimits
) => Effect.Effect<HttpAnswer, E>

/** Builds the request function of a transport over its `agent` (which the transport owns and closes). */
export const makeSendRequest = <E>(agent: Agent, failures: RequestFailures<E>): SendRequest<E> =>
(method, origin, path, headers, body, limits) =>
  Effect.async<HttpAnswer, E>((resume) => {
    const controller = new AbortController()
    const timer = setTimeout(() => controller.abort(), limits.timeoutMs)
    agent.request({ origin, path, method, headers, body, signal: controller.signal }).then(async (response) => {
      const declared = Number(response.headers["content-length"])
      if (Number.isFinite(declared) && declared > limits.maxBytes) {
        response.body.destroy()
        return resume(Effect.fail(failures.tooLarge(limits)))
      }
      const text = await readLimited(response.body, limits.maxBytes)
      if (text === undefined) {
        response.body.destroy()
        return resume(Effect.fail(failures.tooLarge(limits)))
      }
      const retryAfter = response.headers["retry-after"]
      resume(Effect.succeed({
        status: response.statusCode,
        retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
        body: text
      }))
    }).catch((error: unknown) => {
      if (controller.signal.aborted) return resume(Effect.fail(failures.timedOut(limits)))
      resume(Effect.fail(failures.transport(error)))
    }).finally(() => clearTimeout(timer))
    return Effect.sync(() => controller.abort())
  })

/**
 * Whether undici's `error` says the connection was never made (refused, no such address), so the
 * request cannot have reached the server. A reset or closed socket says nothing either way.
 */
export const neverConnected = (error: unknown): boolean => {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 4; depth++) {
    const code = "code" in current ? current.code : undefined
    if (code === "ECONNREFUSED" || code === "EADDRNOTAVAIL" || code === "ENOENT") return true
    current = current.cause
  }
  return false
}
