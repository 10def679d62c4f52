/**
 * What `orbiplex console` does: prints the web console's sign-in URL for a running node, the way Jupyter
 * does. The URL carries the operator token once; opening it sets the session cookie and the page
 * drops the token from the address bar.
 */
import { Console, Effect, Option, Redacted } from "effect"
import { LOGIN_PATH } from "../operator/ConsoleSession.js"
import { resolveTarget } from "./OperatorTarget.js"

/** The sign-in URL for a node at `url` with `token`. */
export const loginUrl = (url: string, token: Redacted.Redacted<string>): string =>
  `${url}${LOGIN_PATH}?token=${encodeURIComponent(Redacted.value(token))}`

/** Prints the sign-in URL. */
export const consoleHandler = (args: { readonly operator: Option.Option<string>; readonly config: Option.Option<string> }) =>
  Effect.gen(function*() {
    const target = yield* resolveTarget(args)
    yield* Console.log(`Open the web console (the URL holds the operator token: do not share it):`)
    yield* Console.log(`    ${loginUrl(target.url, target.token)}`)
  })
