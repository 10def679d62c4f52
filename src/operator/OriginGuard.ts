/**
 * Refuses (403) a request a browser sent from another origin (CSRF): an `Origin` other than the
 * API's own, or `Sec-Fetch-Site` saying the page was another site. Clients that are not browsers
 * (the CLI, curl) send neither header and pass.
 */
import { HttpMiddleware, HttpServerRequest } from "@effect/platform"
import { Effect } from "effect"
import { Forbidden, guardResponse } from "./OperatorErrors.js"

/** True when a request's `Origin` / `Sec-Fetch-Site` headers allow it (absent, or this very origin). */
export const isSameOrigin = (headers: {
  readonly origin?: string | undefined
  readonly host?: string | undefined
  readonly secFetchSite?: string | undefined
}): boolean => {
  const site = headers.secFetchSite?.trim().toLowerCase()
  if (site !== undefined && site !== "same-origin" && site !== "none") return false
  if (headers.origin === undefined) return true
  return headers.host !== undefined && headers.origin.trim().toLowerCase() === `http://${headers.host.trim().toLowerCase()}`
}

/** The guard. */
export const originGuard = HttpMiddleware.make((app) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const origin = request.headers["origin"]
    const allowed = isSameOrigin({ origin, host: request.headers["host"], secFetchSite: request.headers["sec-fetch-site"] })
    if (allowed) return yield* app
    return yield* guardResponse(
      new Forbidden({
        message: `cross-origin request (Origin ${JSON.stringify(origin ?? "")}) refused: the operator API takes no ` +
          `requests from web pages; use \`orbiplex status\` / \`orbiplex module\` or an HTTP client`
      })
    )
  })
)
