/**
 * The bearer-token check every endpoint of the operator API runs (an `HttpApiMiddleware`, so the
 * requirement and its 401 are part of the API's definition).
 */
import { HttpApiMiddleware, HttpApiSecurity } from "@effect/platform"
import { Effect, Layer, Redacted } from "effect"
import * as Crypto from "node:crypto"
import { Unauthorized } from "./OperatorErrors.js"
import { OperatorToken, TOKEN_ENV, TOKEN_FILE } from "./OperatorToken.js"

/** The middleware's tag: `Authorization: Bearer <token>` on every request. */
export class TokenAuth extends HttpApiMiddleware.Tag<TokenAuth>()("orbiplex/operator/TokenAuth", {
  failure: Unauthorized,
  security: { bearer: HttpApiSecurity.bearer }
}) {}

// Compared in constant time: how long a refusal takes must not tell how much of a guess was right.
const sameToken = (given: string, expected: string): boolean => {
  const a = Buffer.from(given, "utf8")
  const b = Buffer.from(expected, "utf8")
  return a.length === b.length && Crypto.timingSafeEqual(a, b)
}

/** Checks the bearer token against the node's. */
export const layer: Layer.Layer<TokenAuth, never, OperatorToken> = Layer.effect(
  TokenAuth,
  Effect.map(OperatorToken, (token) =>
    TokenAuth.of({
      bearer: (given) =>
        sameToken(Redacted.value(given), Redacted.value(token.value))
          ? Effect.void
          : Effect.fail(
            new Unauthorized({
              message: `${Redacted.value(given) === "" ? "no bearer token" : "wrong bearer token"}: send ` +
                `"Authorization: Bearer <token>" with the token in the node's <data_dir>/${TOKEN_FILE} ` +
                `(or ${TOKEN_ENV}); \`orbiplex status --config <node config>\` finds it`
            })
          )
    }))
)
