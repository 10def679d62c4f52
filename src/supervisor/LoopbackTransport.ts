/**
 * The invocation hot path's HTTP: undici's keep-alive pool, called inside `Effect.async` so an
 * interrupted call aborts its request. Measured on this machine, `@effect/platform` HttpClient
 * added ~0.25 ms per loopback call (request/response wrappers, scope, tracing headers) on top of
 * undici itself, which alone would spend the whole "at most 2x raw" budget; readiness, init and
 * health stay on HttpClient, where a quarter of a millisecond does not matter.
 */
import { Context, Effect, Layer } from "effect"
import { Agent, errors } from "undici"

/** A loopback POST's answer, its body read within the byte limit. */
export interface LoopbackAnswer {
  readonly status: number
  readonly retryAfter: string | undefined
  readonly body: string
}

/** Why a POST got no usable answer. */
export type LoopbackFailure =
  | { readonly _tag: "Transport"; readonly detail: string }
  | { readonly _tag: "TooLarge" }
  | { readonly _tag: "TimedOut" }

/** POSTs JSON on loopback over pooled keep-alive connections. */
export class LoopbackTransport extends Context.Tag("orbiplex/LoopbackTransport")<LoopbackTransport, {
  readonly post: (
    origin: string,
    path: string,
    headers: Readonly<Record<string, string>>,
    body: string,
    limits: { readonly maxBytes: number; readonly timeoutMs: number }
  ) => Effect.Effect<LoopbackAnswer, LoopbackFailure>
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
  if (chunks.length === 1 && chunks[0] !== undefined) return decoder.decode(chunks[0])
  const joined = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    joined.set(chunk, offset)
    offset += chunk.byteLength
  }
  return decoder.decode(joined)
}

/** Builds the transport over one undici Agent, closed with the scope. */
export const make = Effect.gen(function*() {
  const agent = yield* Effect.acquireRelease(
    // Idle sockets are dropped before a module's server would drop them, so a reused socket is live.
    Effect.sync(() => new Agent({ keepAliveTimeout: 4_000, keepAliveMaxTimeout: 10_000, pipelining: 1 })),
    (agent) => Effect.promise(() => agent.destroy())
  )
  return LoopbackTransport.of({
    post: (origin, path, headers, body, limits) =>
      Effect.async<LoopbackAnswer, LoopbackFailure>((resume) => {
        const controller = new AbortController()
        const timer = setTimeout(() => controller.abort(), limits.timeoutMs)
        agent.request({
          origin,
          path,
          method: "POST",
          headers: { ...headers, "content-type": "application/json" },
          body,
          signal: controller.signal
        }).then(async (response) => {
          const declared = Number(response.headers["content-length"])
          if (Number.isFinite(declared) && declared > limits.maxBytes) {
            response.body.destroy()
            return resume(Effect.fail({ _tag: "TooLarge" }))
          }
          const text = await readLimited(response.body, limits.maxBytes)
          if (text === undefined) {
            response.body.destroy()
            return resume(Effect.fail({ _tag: "TooLarge" }))
          }
          const retryAfter = response.headers["retry-after"]
          resume(Effect.succeed({
            status: response.statusCode,
            retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
            body: text
          }))
        }).catch((error: unknown) => {
          if (controller.signal.aborted) return resume(Effect.fail({ _tag: "TimedOut" }))
          const detail = error instanceof errors.UndiciError || error instanceof Error ? error.message : String(error)
          resume(Effect.fail({ _tag: "Transport", detail }))
        }).finally(() => clearTimeout(timer))
        return Effect.sync(() => controller.abort())
      })
  })
})

/** The transport as a layer. */
export const layer: Layer.Layer<LoopbackTransport> = Layer.scoped(LoopbackTransport, make)
