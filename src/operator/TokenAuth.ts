/**
 * The credential check every endpoint of the operator API runs (an `HttpApiMiddleware`, so the
 * requirement and its 401 are part of the API's definition): the console's session cookie, or
 * else the bearer token.
 */
import { HttpApiMiddleware, HttpApiSecurity } from "@effect/platform"
import { Effect, Layer, Redacted } from "effect"
import { sameSecret, SESSION_COOKIE, sessionCookie, sessionValue } from "./ConsoleSession.js"
import { Unauthorized } from "./OperatorErrors.js"
import { OperatorToken, TOKEN_ENV, TOKEN_FILE } from "./OperatorToken.js"

/**
 * The middleware's tag: the `orbiplex_session` cookie or `Authorization: Bearer <token>` on every
 * request. The cookie is tried first, so a refusal carries the bearer check's message.
 */
export class TokenAuth extends HttpApiMiddleware.Tag<TokenAuth>()("orbiplex/operator/TokenAuth", {
  failure: Unauthorized,
  security: { cookie: sessionCookie, bearer: HttpApiSecurity.bearer }
}) {}

/** Checks the session cookie or the bearer token against the node's token. */
export const layer: Layer.Layer<TokenAuth, never, OperatorToken> = Layer.effect(
  TokenAuth,
  Effect.map(OperatorToken, (token) => {
    const session = sessionValue(token.value)
    return TokenAuth.of({
      cookie: (given) =>
        sameSecret(Redacted.value(given), session)
          ? Effect.void
          : Effect.fail(
            new Unauthorized({
              message: `no valid ${SESSION_COOKIE} cookie: open the URL \`orbiplex console --config <node config>\` prints`
            })
          ),
      bearer: (given) =>
        sameSecret(Redacted.value(given), Redacted.value(token.value))
          ? Effect.void
          : Effect.fail(
            new Unauthorized({
              message: `${Redacted.value(given) === "" ? "no bearer token" : "wrong bearer token"}: send ` +
                `"Authorization: Bearer <token>" with the token in the node's <data_dir>/${TOKEN_FILE} ` +
                `(or ${TOKEN_ENV}); \`orbiplex status --config <node config>\` finds it`
            })
          )
    })
  })
)
