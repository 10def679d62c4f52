/**
 * The invocation hot path's HTTP: undici's keep-alive pool, each POST sent by the core it shares with
 * `ProviderTransport` (`Effect.async`, an `AbortController` so an interrupted call aborts its
 * request, a bounded body read). Measured on this machine, `@effect/platform` HttpClient added
 * ~0.25 ms per loopback call (request/response wrappers, scope, tracing headers) on top of undici
 * itself, which alone would spend the whole "at most 2x raw" budget; readiness, init and health stay
 * on HttpClient, where a quarter of a millisecond does not matter.
 */
import { Context, Effect, Layer } from "effect"
import { Agent } from "../internal/UndiciAgent.js"
import { type HttpAnswer, makeSendRequest, neverConnected, type RequestFailures } from "../internal/UndiciRequest.js"

/** A loopback POST's answer, its body read within the byte limit. */
export type LoopbackAnswer = HttpAnswer

/** Why a POST got no usable answer. */
export type LoopbackFailure =
  /** `unsent`: the connection was refused, so the module never saw the request. */
  | { readonly _tag: "Transport"; readonly detail: string; readonly unsent: boolean }
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

const tooLarge: LoopbackFailure = { _tag: "TooLarge" }
const timedOut: LoopbackFailure = { _tag: "TimedOut" }

const failures: RequestFailures<LoopbackFailure> = {
  tooLarge: () => tooLarge,
  timedOut: () => timedOut,
  transport: (error) => ({
    _tag: "Transport",
    detail: error instanceof Error ? error.message : String(error),
    unsent: neverConnected(error)
  })
}

/** Builds the transport over one undici Agent, closed with the scope. */
export const make = Effect.gen(function*() {
  const agent = yield* Effect.acquireRelease(
    // Idle sockets are dropped before a module's server would drop them, so a reused socket is live.
    Effect.sync(() => new Agent({ keepAliveTimeout: 4_000, keepAliveMaxTimeout: 10_000, pipelining: 1 })),
    (agent) => Effect.promise(() => agent.destroy())
  )
  const send = makeSendRequest(agent, failures)
  return LoopbackTransport.of({
    post: (origin, path, headers, body, limits) =>
      send("POST", origin, path, { ...headers, "content-type": "application/json" }, body, limits)
  })
})

/** The transport as a layer. */
export const layer: Layer.Layer<LoopbackTransport> = Layer.scoped(LoopbackTransport, make)
