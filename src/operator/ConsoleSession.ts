/**
 * The console's session cookie: `orbiplex console` prints a sign-in URL carrying the token once;
 * the sign-in route trades it for this HttpOnly, SameSite=Strict cookie, which the operator API
 * accepts in place of the bearer header.
 */
import { HttpApiSecurity } from "@effect/platform"
import { Redacted } from "effect"
import * as Crypto from "node:crypto"

/** The cookie's name. */
export const SESSION_COOKIE = "orbiplex_session"

/** The sign-in route: `GET /console/login?token=<operator token>`. */
export const LOGIN_PATH = "/console/login"

/** The API security scheme that reads the cookie. */
export const sessionCookie = HttpApiSecurity.apiKey({ key: SESSION_COOKIE, in: "cookie" })

/**
 * The cookie's value for a token: derived, not the token itself, so a cookie store leaks no value
 * the CLI's bearer header would take; a new token (deleting the file) ends every session.
 */
export const sessionValue = (token: Redacted.Redacted<string>): string =>
  Crypto.createHmac("sha256", Redacted.value(token)).update("orbiplex console session v1").digest("base64url")

/** Compared in constant time: how long a refusal takes must not tell how much of a guess was right. */
export const sameSecret = (given: string, expected: string): boolean => {
  const a = Buffer.from(given, "utf8")
  const b = Buffer.from(expected, "utf8")
  return a.length === b.length && Crypto.timingSafeEqual(a, b)
}

/** The `Set-Cookie` value the sign-in route answers with. */
export const sessionCookieHeader = (token: Redacted.Redacted<string>): string =>
  `${SESSION_COOKIE}=${sessionValue(token)}; HttpOnly; SameSite=Strict; Path=/`
