/**
 * The servers a node serves on (operator API, peer API) close when their scope closes, whatever
 * their clients do: a client polling on a kept-alive connection is told `Connection: close`, and a
 * response that never ends is cut after the grace period. Node's own `server.close()` waits for both
 * forever. Real sockets on loopback.
 */
import { type HttpApp, HttpServer, HttpServerResponse } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Context, Deferred, Duration, Effect, Exit, Fiber, Layer, Scope, Stream } from "effect"
import * as Http from "node:http"
import * as DrainingHttpServer from "../../src/http/DrainingHttpServer.js"

const GRACE = Duration.millis(500)

interface Served {
  readonly port: number
  readonly scope: Scope.CloseableScope
}

/** Serves `app` on a loopback port in a scope of its own, closed by the test. */
const serve = (app: HttpApp.Default) =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    const served = HttpServer.serve(app).pipe(
      Layer.provideMerge(NodeHttpServer.layer(() => DrainingHttpServer.make(GRACE), { host: "127.0.0.1", port: 0 }))
    )
    const context = yield* Layer.buildWithScope(served, scope)
    const server = Context.get(context, HttpServer.HttpServer)
    const port = server.address._tag === "TcpAddress" ? server.address.port : 0
    return { port, scope } satisfies Served
  })

// One kept-alive connection, as a browser tab's polling uses.
const keepAlive = () => new Http.Agent({ keepAlive: true, maxSockets: 1 })

const get = (agent: Http.Agent, port: number) =>
  Effect.async<{ readonly status: number; readonly connection: string | undefined }, Error>((resume) => {
    const request = Http.get({ host: "127.0.0.1", port, path: "/", agent }, (response) => {
      response.resume()
      response.on("end", () => resume(Effect.succeed({ status: response.statusCode ?? 0, connection: response.headers.connection })))
    })
    request.on("error", (error) => resume(Effect.fail(error)))
  })

describe("a draining HTTP server", () => {
  it.scopedLive("closes while a client polls on a kept-alive connection, telling it to close", () =>
    Effect.gen(function*() {
      const slow = HttpServerResponse.text("ok").pipe(Effect.delay("100 millis"))
      const { port, scope } = yield* serve(slow)
      const agent = keepAlive()
      yield* Effect.addFinalizer(() => Effect.sync(() => agent.destroy()))
      const answers: Array<string | undefined> = []
      // Poll back to back, so a request is nearly always in flight on the one connection.
      const poller = yield* get(agent, port).pipe(
        Effect.tap((answer) => Effect.sync(() => answers.push(answer.connection))),
        Effect.forever,
        Effect.fork
      )
      yield* Effect.sleep("350 millis")
      const closed = yield* Scope.close(scope, Exit.void).pipe(Effect.disconnect, Effect.timeout("10 seconds"), Effect.exit)
      expect(Exit.isSuccess(closed)).toBe(true)
      const polled = yield* Fiber.join(poller).pipe(Effect.flip)
      expect(polled).toBeInstanceOf(Error)
      expect(answers.slice(0, 2)).toEqual(["keep-alive", "keep-alive"])
    }))

  it.scopedLive("cuts a response that never ends once the grace period is over", () =>
    Effect.gen(function*() {
      const started = yield* Deferred.make<void>()
      const endless = Deferred.succeed(started, undefined).pipe(
        Effect.as(HttpServerResponse.stream(Stream.never))
      )
      const { port, scope } = yield* serve(endless)
      const agent = keepAlive()
      yield* Effect.addFinalizer(() => Effect.sync(() => agent.destroy()))
      const request = yield* get(agent, port).pipe(Effect.fork)
      yield* Deferred.await(started)
      const closed = yield* Scope.close(scope, Exit.void).pipe(Effect.disconnect, Effect.timeout("10 seconds"), Effect.exit)
      expect(Exit.isSuccess(closed)).toBe(true)
      // The client sees its response end or its socket cut; either way it is not left waiting.
      yield* Fiber.await(request).pipe(Effect.timeout("5 seconds"))
    }))
})
