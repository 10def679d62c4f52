/**
 * Where `hook run`, `pipeline run` and `workflow run` do their work: on the node that answers at
 * the operator address (`--operator`, `$ORBIPLEX_OPERATOR`, or the config's `operator.listen`), or
 * with their own modules (`--standalone`, or when no address is configured or no node answers,
 * said on stderr).
 */
import { FileSystem } from "@effect/platform"
import * as CliHttp from "./CliHttp.js"
import { Console, Effect, Option, Schema } from "effect"
import { makeWorkClient, type WorkClient } from "../operator/WorkClient.js"
import { resolveConfigFile } from "./ConfigFile.js"
import { resolveTarget } from "./OperatorTarget.js"

const ListenPeek = Schema.parseJson(Schema.Struct({
  operator: Schema.optional(Schema.Struct({ listen: Schema.optional(Schema.String) }))
}))

// A node is only asked when an address is named: a config without one never talks to a stranger's port.
const addressNamed = (operator: Option.Option<string>, config: Option.Option<string>) =>
  Effect.gen(function*() {
    if (Option.isSome(operator)) return true
    const file = yield* resolveConfigFile(config)
    const text = yield* (yield* FileSystem.FileSystem).readFileString(file).pipe(Effect.option)
    const peek = Option.flatMap(text, (found) => Option.getRight(Schema.decodeEither(ListenPeek)(found)))
    return Option.exists(peek, (found) => found.operator?.listen !== undefined && !/:0$/.test(found.operator.listen))
  })

/** Where the node is, for commands that only ever talk to a running node. */
export interface NodeArgs {
  readonly operator: Option.Option<string>
  readonly config: Option.Option<string>
}

/** Runs `use` with a work client of the node `args` name (one keep-alive pool for the conversation). */
export const onNode = <A, E>(args: NodeArgs, use: (client: WorkClient) => Effect.Effect<A, E>) =>
  Effect.flatMap(resolveTarget(args), (target) => Effect.flatMap(makeWorkClient(target.url, target.token), use)).pipe(
    Effect.provide(CliHttp.layer)
  )

/** What picks the place. */
export interface WorkPlace {
  readonly standalone: boolean
  readonly operator: Option.Option<string>
  readonly config: Option.Option<string>
}

/** Runs `remote` on the node, or `local` (standalone, no address, or nobody answers). */
export const onNodeOrStandalone = <A, E, R, B, E2, R2>(
  place: WorkPlace,
  remote: (client: WorkClient) => Effect.Effect<A, E, R>,
  local: Effect.Effect<B, E2, R2>
) =>
  Effect.gen(function*() {
    if (place.standalone) return yield* local
    if (!(yield* addressNamed(place.operator, place.config))) {
      yield* Console.error("no operator address is configured (operator.listen, --operator): running standalone with this command's own modules")
      return yield* local
    }
    const target = yield* Effect.either(resolveTarget({ operator: place.operator, config: place.config }))
    if (target._tag === "Left") {
      yield* Console.error(`${target.left.message}: running standalone with this command's own modules`)
      return yield* local
    }
    const { token, url } = target.right
    // One keep-alive pool for the whole conversation with the node, closed when it ends.
    const outcome = yield* Effect.flatMap(makeWorkClient(url, token), remote).pipe(
      Effect.provide(CliHttp.layer),
      Effect.either
    )
    if (outcome._tag === "Right") return outcome.right
    const error = outcome.left
    if (typeof error === "object" && error !== null && "_tag" in error && error._tag === "OperatorUnreachable") {
      yield* Console.error(`no node answers at ${url}: running standalone with this command's own modules`)
      return yield* local
    }
    return yield* Effect.fail(error)
  })
