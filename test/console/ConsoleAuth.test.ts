/**
 * The console's routes and session over raw loopback HTTP against a real operator API: the page and
 * its script under a CSP without inline code, the sign-in route's cookie and redirect, the cookie
 * as a credential, and the refusals (a wrong token in the URL, a forged cookie, a cross-origin POST
 * that carries the right cookie).
 */
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import * as Http from "node:http"
import * as TraceStore from "../../src/middleware/TraceStore.js"
import { CONTENT_SECURITY_POLICY } from "../../src/operator/ConsoleRoutes.js"
import * as OperatorApi from "../../src/operator/OperatorApi.js"
import * as OperatorToken from "../../src/operator/OperatorToken.js"
import { LifecycleLog } from "../../src/supervisor/LifecycleLog.js"
import { Supervisor } from "../../src/supervisor/Supervisor.js"
import { fixtureEntry } from "../support/Fixture.js"
import { quiet, startNode } from "../support/Node.js"
import { expectNoLeftoverProcesses } from "../support/Processes.js"

expectNoLeftoverProcesses()

const TOKEN = "console-test-token/+="

interface Answer {
  readonly status: number
  readonly headers: Http.IncomingHttpHeaders
  readonly text: string
}

/** One request on a fresh connection. */
const request = (port: number, method: "GET" | "POST", path: string, headers: Http.OutgoingHttpHeaders = {}) =>
  Effect.async<Answer>((resume) => {
    const outgoing = Http.request(
      { host: "127.0.0.1", port, method, path, headers: { host: `127.0.0.1:${port}`, ...headers }, agent: false },
      (response) => {
        let text = ""
        response.setEncoding("utf8").on("data", (chunk: string) => (text += chunk))
        response.on("end", () => resume(Effect.succeed({ status: response.statusCode ?? 0, headers: response.headers, text })))
      }
    )
    outgoing.end()
    return Effect.sync(() => outgoing.destroy())
  }).pipe(Effect.timeout("10 seconds"), Effect.orDie)

describe("the console's routes and session", () => {
  it.scopedLive("serves the page, trades the URL's token for a cookie the API accepts, refuses forgeries", () =>
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

      // The page and its assets need no credential; they hold none.
      const page = yield* request(port, "GET", "/")
      expect(page.status).toBe(200)
      expect(page.headers["content-type"]).toContain("text/html")
      expect(page.headers["content-security-policy"]).toBe(CONTENT_SECURITY_POLICY)
      expect(page.text).toContain(`<script src="/console/console.js"`)
      expect(page.text).not.toMatch(/<script>(?!<\/script>)|<script(?![^>]*\bsrc=)[^>]*>/)
      const script = yield* request(port, "GET", "/console/console.js")
      expect(script.status).toBe(200)
      expect(script.headers["content-type"]).toContain("text/javascript")
      expect((yield* request(port, "GET", "/console/console.css")).headers["content-type"]).toContain("text/css")

      // Sign-in: a wrong or missing token is refused and sets nothing.
      const wrong = yield* request(port, "GET", "/console/login?token=guess")
      expect(wrong.status).toBe(401)
      expect(wrong.headers["set-cookie"]).toBeUndefined()
      expect(wrong.text).toContain("orbiplex console")
      expect((yield* request(port, "GET", "/console/login")).status).toBe(401)

      // The right token: a 303 to `/` with the session cookie.
      const signedIn = yield* request(port, "GET", `/console/login?token=${encodeURIComponent(TOKEN)}`)
      expect(signedIn.status).toBe(303)
      expect(signedIn.headers.location).toBe("/")
      const setCookie = signedIn.headers["set-cookie"]?.[0] ?? ""
      expect(setCookie).toMatch(/^orbiplex_session=[A-Za-z0-9_-]+; HttpOnly; SameSite=Strict; Path=\/$/)
      expect(setCookie).not.toContain(encodeURIComponent(TOKEN))
      const cookie = setCookie.split(";")[0] ?? ""

      // The cookie is a credential; a forged one is not, and the refusal says how to authenticate.
      const listed = yield* request(port, "GET", "/v1/modules", { cookie })
      expect(listed.status).toBe(200)
      expect(JSON.parse(listed.text)).toMatchObject({ modules: [{ executor_id: "echo", state: "ready" }] })
      const forged = yield* request(port, "GET", "/v1/modules", { cookie: "orbiplex_session=forged" })
      expect(forged.status).toBe(401)
      expect(forged.text).toContain("Bearer")
      expect((yield* request(port, "GET", "/v1/modules", { authorization: `Bearer ${TOKEN}` })).status).toBe(200)

      // CSRF: another origin's POST carrying the right cookie is refused, and the module is untouched.
      const pid = (yield* node.supervisor.inspect("echo")).pid
      const csrf = yield* request(port, "POST", "/v1/modules/echo/stop", { cookie, origin: "http://evil.example" })
      expect(csrf.status).toBe(403)
      const crossSite = yield* request(port, "POST", "/v1/modules/echo/stop", { cookie, "sec-fetch-site": "cross-site" })
      expect(crossSite.status).toBe(403)
      const after = yield* node.supervisor.inspect("echo")
      expect([after.state, after.pid]).toEqual(["ready", pid])

      // The page's own POST (same origin, cookie) acts.
      const own = yield* request(port, "POST", "/v1/modules/echo/restart", { cookie, origin: `http://127.0.0.1:${port}` })
      expect(own.status).toBe(200)
      expect(JSON.parse(own.text)).toMatchObject({ executor_id: "echo", state: "ready" })
    }).pipe(quiet), 60_000)
})
