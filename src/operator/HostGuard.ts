/**
 * Refuses (403) a request whose `Host` is not a loopback name or address: a browser tricked by DNS
 * rebinding sends the attacker's host name, which this catches even though the socket is loopback.
 */
import { HttpMiddleware, HttpServerRequest } from "@effect/platform"
import { Effect } from "effect"
import { isLoopbackHost } from "./OperatorConfig.js"
import { Forbidden, guardResponse } from "./OperatorErrors.js"

/** The host part of a `Host` header (`[::1]:7070` → `::1`, `localhost:7070` → `localhost`). */
export const hostName = (header: string): string => {
  const value = header.trim().toLowerCase()
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(value)
  if (bracketed?.[1] !== undefined) return bracketed[1]
  const plain = /^([^:]+)(?::\d+)?$/.exec(value)
  return plain?.[1] ?? value
}

/** True when a `Host` header names loopback: `localhost`, `127.x.x.x` or `[::1]`, with any port. */
export const isLoopbackHostHeader = (header: string | undefined): boolean =>
  header !== undefined && isLoopbackHost(hostName(header))

/** The guard. */
export const hostGuard = HttpMiddleware.make((app) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const host = request.headers["host"]
    if (isLoopbackHostHeader(host)) return yield* app
    return yield* guardResponse(
      new Forbidden({
        message: `Host ${JSON.stringify(host ?? "")} is not a loopback name or address: the operator API answers only ` +
          `requests addressed to localhost, 127.0.0.1 or [::1] (this refuses DNS rebinding)`
      })
    )
  })
)
