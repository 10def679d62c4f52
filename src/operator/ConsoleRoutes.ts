/**
 * The web console's routes beside the operator API: the page at `/`, its script and stylesheet,
 * and the sign-in route that trades the token in its URL for the session cookie. The page holds
 * no secret, so it is served to anyone the Host and Origin guards let through; its fetches are
 * what the API authenticates (by the cookie).
 */
import { type HttpApp, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { NodeFileSystem } from "@effect/platform-node"
import { Effect, Redacted } from "effect"
import * as ConsoleAssets from "./ConsoleAssets.js"
import { LOGIN_PATH, sameSecret, sessionCookieHeader } from "./ConsoleSession.js"
import { OperatorToken } from "./OperatorToken.js"

/** Scripts and styles only from this origin (none inline), fetches only to it, no framing. */
export const CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; " +
  "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

const SECURITY_HEADERS = {
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store"
}

const refusedPage = (reason: string) =>
  HttpServerResponse.text(
    `<!doctype html><meta charset="utf-8"><title>Orbiplex console: sign-in refused</title>` +
      `<p>${reason}</p><p>Run <code>orbiplex console --config &lt;node config&gt;</code> and open the URL it prints.</p>`,
    { status: 401, contentType: "text/html; charset=utf-8", headers: SECURITY_HEADERS }
  )

const login = (token: Redacted.Redacted<string>, url: URL) => {
  const given = url.searchParams.get("token") ?? ""
  if (given === "") return refusedPage("The sign-in URL carries no token.")
  if (!sameSecret(given, Redacted.value(token))) {
    return refusedPage("The token in this URL is not this node's (a new token was made, or the URL is from another node).")
  }
  // 303 to `/`: the token leaves the address bar and the history entry is the page itself.
  return HttpServerResponse.empty({
    status: 303,
    headers: { ...SECURITY_HEADERS, location: "/", "set-cookie": sessionCookieHeader(token) }
  })
}

/**
 * The console in front of the operator API: `GET /`, its assets and the sign-in route are answered
 * here, everything else goes to `app`. It sits outside the API's router because the API's token
 * middleware wraps every route of that router, and the page and the sign-in come before a session.
 */
export const middleware: Effect.Effect<
  <E, R>(app: HttpApp.Default<E, R>) => HttpApp.Default<E, R>,
  never,
  OperatorToken
> = Effect.gen(function*() {
  // A package without the page still serves its API; `/` says what is missing.
  const assets = yield* ConsoleAssets.load.pipe(
    // Read once at start; the platform file system is provided here so the API's layer needs nothing more.
    Effect.provide(NodeFileSystem.layer),
    Effect.tapError((missing) => Effect.logWarning(missing.message)),
    Effect.orElseSucceed((): ConsoleAssets.ConsoleAssets =>
      new Map([["/", { body: "the web console's files are missing from this package", contentType: "text/plain; charset=utf-8" }]])
    )
  )
  const token = (yield* OperatorToken).value
  return <E, R>(app: HttpApp.Default<E, R>): HttpApp.Default<E, R> =>
    Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
      if (request.method !== "GET" && request.method !== "HEAD") return app
      const url = new URL(request.url, "http://localhost")
      if (url.pathname === LOGIN_PATH) return Effect.succeed(login(token, url))
      const asset = assets.get(url.pathname)
      return asset === undefined
        ? app
        : Effect.succeed(HttpServerResponse.text(asset.body, { contentType: asset.contentType, headers: SECURITY_HEADERS }))
    })
})
