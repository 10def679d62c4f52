/**
 * A loopback OpenAI-compatible chat-completions endpoint the drill controls, for a seller node's
 * `capabilities.inquirium` (provider `openai_compatible`): its Dator's model call holds an order in
 * flight until the drill opens the gate, and the drill learns exactly when an order reached the
 * model (so it crashes a node with an order in flight without sleeping). Closed with the scope.
 */
import { Deferred, Effect, type Scope } from "effect"
import * as Http from "node:http"

/** The endpoint, as the drill drives it. */
export interface HeldModel {
  /** The base URL to write as `capabilities.inquirium.base_url`. */
  readonly baseUrl: string
  /** Succeeds once the first model call has arrived (an order is in flight at the seller). */
  readonly firstCall: Effect.Effect<void>
  /** Answers every held call and, from now on, every call at once. */
  readonly open: Effect.Effect<void>
  /** How many model calls arrived so far. */
  readonly calls: Effect.Effect<number>
}

const completion = JSON.stringify({
  model: "drill-model",
  choices: [{ message: { content: "Drill news: the order was delivered after all." } }],
  usage: { prompt_tokens: 3, completion_tokens: 9 }
})

/** Starts the endpoint on `host` (any free port); every call waits until `open`. */
export const makeHeldModel = (host: string): Effect.Effect<HeldModel, never, Scope.Scope> =>
  Effect.gen(function*() {
    const arrived = yield* Deferred.make<void>()
    let count = 0
    let opened = false
    const held: Array<Http.ServerResponse> = []
    const answer = (response: Http.ServerResponse) => {
      // A caller that died (a crashed seller) has closed its socket: nothing to answer.
      if (response.destroyed) return
      response.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(completion) })
      response.end(completion)
    }
    const server = Http.createServer((request, response) => {
      request.resume()
      request.on("end", () => {
        count += 1
        Deferred.unsafeDone(arrived, Effect.void)
        if (opened) answer(response)
        else held.push(response)
      })
    })
    const port = yield* Effect.acquireRelease(
      Effect.async<number>((resume) => {
        server.listen(0, host, () => {
          const address = server.address()
          resume(Effect.succeed(address !== null && typeof address === "object" ? address.port : 0))
        })
      }),
      () =>
        Effect.async<void>((resume) => {
          server.closeAllConnections()
          server.close(() => resume(Effect.void))
        })
    )
    return {
      baseUrl: `http://${host}:${port}/v1`,
      firstCall: Deferred.await(arrived),
      open: Effect.sync(() => {
        opened = true
        for (const response of held.splice(0)) answer(response)
      }),
      calls: Effect.sync(() => count)
    }
  })
