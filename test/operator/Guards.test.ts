/**
 * The operator API's guards against a real server on port 0, with raw HTTP so every header is ours
 * to set: a Host that is not loopback, a cross-origin Origin, a browser's text/plain POST, a
 * missing or wrong token, a huge body (declared or chunked), malformed JSON, a wrong content type.
 * After each refusal the module is untouched.
 */
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import * as Http from "node:http"
import * as TraceStore from "../../src/middleware/TraceStore.js"
import { MAX_BODY_BYTES } from "../../src/operator/BodyGuard.js"
import * as OperatorApi from "../../src/operator/OperatorApi.js"
import * as OperatorToken from "../../src/operator/OperatorToken.js"
import { LifecycleLog } from "../../src/supervisor/LifecycleLog.js"
import { Supervisor } from "../../src/supervisor/Supervisor.js"
import { fixtureEntry } from "../support/Fixture.js"
import { quiet, startNode } from "../support/Node.js"
import { expectNoLeftoverProcesses } from "../support/Processes.js"

expectNoLeftoverProcesses()

const TOKEN = "guards-test-token"

interface RawRequest {
  readonly method: "GET" | "POST"
  readonly path: string
  readonly headers?: Http.OutgoingHttpHeaders
  /** Sent as is (with its Content-Length unless the headers set one). */
  readonly body?: string
  /** Sent chunked, one chunk after another, without a Content-Length. */
  readonly chunks?: ReadonlyArray<string>
}

interface RawResponse {
  readonly status: number
  readonly body: unknown
}

/** One request on a fresh connection; answers as soon as the response ends, or status 0 if the connection broke. */
const raw = (port: number, request: RawRequest): Effect.Effect<RawResponse> =>
  Effect.async<RawResponse>((resume) => {
    const headers: Http.OutgoingHttpHeaders = { host: `127.0.0.1:${port}`, ...request.headers }
    const outgoing = Http.request({ host: "127.0.0.1", port, method: request.method, path: request.path, headers, agent: false }, (response) => {
      let text = ""
      response.setEncoding("utf8").on("data", (chunk: string) => (text += chunk))
      response.on("end", () => {
        resume(Effect.succeed({ status: response.statusCode ?? 0, body: text === "" ? null : JSON.parse(text) }))
        outgoing.destroy()
      })
    })
    // A server that stops reading a body it refused closes the socket under our writes: status 0.
    outgoing.on("error", () => resume(Effect.succeed({ status: 0, body: null })))
    if (request.chunks !== undefined) {
      for (const chunk of request.chunks) outgoing.write(chunk)
      outgoing.end()
    } else {
      outgoing.end(request.body)
    }
    return Effect.sync(() => outgoing.destroy())
  }).pipe(
    Effect.timeoutFail({
      duration: "10 seconds",
      onTimeout: () => new Error(`no answer to ${request.method} ${request.path} ${JSON.stringify(request.headers ?? {})}`)
    }),
    Effect.orDie
  )

const bearer = { authorization: `Bearer ${TOKEN}` }

describe("operator API guards", () => {
  it.scopedLive("refuse what a browser, a rebinding page or a careless client sends; let the CLI's requests through", () =>
    Effect.gen(function*() {
      const node = yield* startNode([fixtureEntry("echo", "ok")])
      const context = yield* Layer.build(
        OperatorApi.layer({ listen: { host: "127.0.0.1", port: 0 } }).pipe(
          Layer.provide(Layer.succeed(Supervisor, node.supervisor)),
          Layer.provide(Layer.succeed(LifecycleLog, node.log)),
          Layer.provide(TraceStore.layer),
          Layer.provide(OperatorToken.layerValue(TOKEN))
        )
      )
      const port = Context.get(context, OperatorApi.OperatorServer).address.port
      const pid = (yield* node.supervisor.inspect("echo")).pid
      const untouched = Effect.gen(function*() {
        const status = yield* node.supervisor.inspect("echo")
        expect(status.state).toBe("ready")
        expect(status.pid).toBe(pid)
      })

      // DNS rebinding: the page's host name reaches us through loopback, token or not.
      const evilHost = yield* raw(port, { method: "GET", path: "/v1/modules", headers: { ...bearer, host: "evil.example" } })
      expect(evilHost.status).toBe(403)
      expect(evilHost.body).toMatchObject({ _tag: "Forbidden" })
      const evilHostPost = yield* raw(port, { method: "POST", path: "/v1/modules/echo/stop", headers: { ...bearer, host: "evil.example:7070" } })
      expect(evilHostPost.status).toBe(403)
      yield* untouched

      // CSRF: another origin, even with the right Host and token.
      const evilOrigin = yield* raw(port, {
        method: "POST",
        path: "/v1/modules/echo/stop",
        headers: { ...bearer, origin: "http://evil.example" }
      })
      expect(evilOrigin.status).toBe(403)
      expect(JSON.stringify(evilOrigin.body)).toContain("cross-origin")
      const otherLocal = yield* raw(port, {
        method: "POST",
        path: "/v1/modules/echo/stop",
        headers: { ...bearer, origin: "http://localhost:3000" }
      })
      expect(otherLocal.status).toBe(403)
      const fetchSite = yield* raw(port, { method: "GET", path: "/v1/modules", headers: { ...bearer, "sec-fetch-site": "cross-site" } })
      expect(fetchSite.status).toBe(403)
      yield* untouched

      // The "simple" request a browser sends without a preflight: text/plain, cross-origin, no token.
      const simple = yield* raw(port, {
        method: "POST",
        path: "/v1/modules/echo/stop",
        headers: { host: "evil.example", origin: "http://evil.example", "content-type": "text/plain" },
        body: "stop"
      })
      expect(simple.status).toBe(403)
      yield* untouched

      // The token: required on every route, compared exactly.
      const missing = yield* raw(port, { method: "POST", path: "/v1/modules/echo/stop" })
      expect(missing.status).toBe(401)
      expect(missing.body).toMatchObject({ _tag: "Unauthorized" })
      expect(JSON.stringify(missing.body)).toContain("operator-token")
      const wrong = yield* raw(port, { method: "GET", path: "/v1/modules", headers: { authorization: `Bearer ${TOKEN}x` } })
      expect(wrong.status).toBe(401)
      const notBearer = yield* raw(port, { method: "GET", path: "/v1/facts", headers: { authorization: TOKEN } })
      expect(notBearer.status).toBe(401)
      yield* untouched

      // Bodies: a declared 400 MB is refused on its header alone; a chunked one is cut at the limit.
      const declared = yield* raw(port, {
        method: "POST",
        path: "/v1/modules/echo/stop",
        headers: { ...bearer, "content-type": "application/json", "content-length": String(400 * 1024 * 1024) },
        body: "{"
      })
      expect(declared.status).toBe(413)
      expect(declared.body).toMatchObject({ _tag: "PayloadTooLarge", limit_bytes: MAX_BODY_BYTES })
      const chunk = `"${"x".repeat(16 * 1024)}",`
      const chunked = yield* raw(port, {
        method: "POST",
        path: "/v1/modules/echo/stop",
        headers: { ...bearer, "content-type": "application/json" },
        chunks: ["[", ...Array.from({ length: 8 }, () => chunk), "0]"]
      })
      // Cut at the limit: a 413 when it can still be sent, else the connection is closed; never served.
      expect([0, 413]).toContain(chunked.status)
      yield* untouched

      const malformed = yield* raw(port, {
        method: "POST",
        path: "/v1/modules/echo/stop",
        headers: { ...bearer, "content-type": "application/json" },
        body: "{\"stop\": tru"
      })
      expect(malformed.status).toBe(400)
      expect(malformed.body).toMatchObject({ _tag: "MalformedJson" })
      const wrongType = yield* raw(port, {
        method: "POST",
        path: "/v1/modules/echo/stop",
        headers: { ...bearer, "content-type": "text/plain" },
        body: "{}"
      })
      expect(wrongType.status).toBe(415)
      expect(wrongType.body).toMatchObject({ _tag: "UnsupportedMediaType" })
      yield* untouched

      // What the CLI sends passes every guard: loopback Host (any of its spellings), no Origin, the token.
      for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, "127.1.2.3"]) {
        const listed = yield* raw(port, { method: "GET", path: "/v1/modules", headers: { ...bearer, host } })
        expect(listed.status).toBe(200)
      }
      const sameOrigin = yield* raw(port, {
        method: "GET",
        path: "/v1/modules",
        headers: { ...bearer, origin: `http://127.0.0.1:${port}` }
      })
      expect(sameOrigin.status).toBe(200)
      const withBody = yield* raw(port, {
        method: "POST",
        path: "/v1/modules/echo/stop",
        headers: { ...bearer, "content-type": "application/json; charset=utf-8" },
        body: "{}"
      })
      expect(withBody.status).toBe(200)
      expect(withBody.body).toMatchObject({ executor_id: "echo", state: "stopped" })
    }).pipe(quiet), 30_000)
})
