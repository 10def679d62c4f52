/**
 * The core both HTTP hot paths share (the supervisor's `LoopbackTransport`, the providers'
 * `ProviderTransport`): one undici dispatch inside `Effect.async`, aborted when the caller is
 * interrupted or its own timer runs out, its body gathered within a byte limit. `@effect/platform`
 * HttpClient measured ~0.25 ms extra per loopback call, which is why these calls go to undici directly. Each transport keeps its own error type: the ways a request
 * fails are mapped by functions it builds once, so a call allocates nothing beyond the request.
 */
import { Effect } from "effect"
import type { IncomingHttpHeaders } from "node:http"
import type { Agent, Dispatcher } from "undici"

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

// The reason this side aborts a request with, made once: undici only hands it back to the exchange,
// which already knows why it aborted, so no stack trace needs capturing per abort.
const abortedHere = new Error("the host ended the request (its caller gave up, its deadline passed, or its answer was too large)")

/**
 * One request's exchange, as undici's dispatch handler: the answer's status and body gathered
 * straight from the socket's chunks, within the byte limit. `request()` would wrap this same
 * exchange in an AsyncResource, a Readable stream, a promise chain and an abort-signal listener,
 * which on loopback cost more than the rest of the host's work per call.
 */
class Exchange<E> implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined
  /** Once the caller has its outcome (or gave up), everything undici reports after is dropped. */
  private settled = false
  private status = 0
  private retryAfter: string | undefined
  private readonly chunks: Array<Buffer> = []
  private size = 0
  readonly timer: ReturnType<typeof setTimeout>

  constructor(
    private readonly limits: RequestLimits,
    private readonly failures: RequestFailures<E>,
    private readonly resume: (outcome: Effect.Effect<HttpAnswer, E>) => void
  ) {
    this.timer = setTimeout(() => this.abort(Effect.fail(failures.timedOut(limits))), limits.timeoutMs)
  }

  /** Ends the exchange with `outcome` (none: the caller was interrupted and waits for nothing). */
  abort(outcome: Effect.Effect<HttpAnswer, E> | undefined): void {
    if (this.settled) return
    this.finish(outcome)
    // A request still queued for a socket is aborted when it reaches one (onRequestStart).
    this.controller?.abort(abortedHere)
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    if (this.settled) return controller.abort(abortedHere)
    this.controller = controller
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    // 1xx answers are informational: the real one follows.
    if (statusCode < 200) return
    const declared = Number(headers["content-length"])
    if (Number.isFinite(declared) && declared > this.limits.maxBytes) {
      return this.abort(Effect.fail(this.failures.tooLarge(this.limits)))
    }
    const retryAfter = headers["retry-after"]
    this.status = statusCode
    this.retryAfter = Array.isArray(retryAfter) ? retryAfter[0] : retryAfter
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.settled) return
    this.size += chunk.byteLength
    if (this.size > this.limits.maxBytes) return this.abort(Effect.fail(this.failures.tooLarge(this.limits)))
    this.chunks.push(chunk)
  }

  onResponseEnd(): void {
    if (this.settled) return
    const body = this.chunks.length === 1 && this.chunks[0] !== undefined
      ? decoder.decode(this.chunks[0])
      : decoder.decode(Buffer.concat(this.chunks, this.size))
    this.finish(Effect.succeed({ status: this.status, retryAfter: this.retryAfter, body }))
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.settled) return
    this.finish(Effect.fail(this.failures.transport(error)))
  }

  private finish(outcome: Effect.Effect<HttpAnswer, E> | undefined): void {
    this.settled = true
    clearTimeout(this.timer)
    if (outcome !== undefined) this.resume(outcome)
  }
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
    const exchange = new Exchange(limits, failures, resume)
    agent.dispatch({ origin, path, method, headers, body }, exchange)
    return Effect.sync(() => exchange.abort(undefined))
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
