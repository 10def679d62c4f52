/**
 * Where `orbiplex status` / `orbiplex module` find a running node and its token: the address from
 * `--operator` (or `ORBIPLEX_OPERATOR`), else the config's `operator.listen` when it names a port,
 * else 127.0.0.1:7070; the token from `ORBIPLEX_OPERATOR_TOKEN`, else `<data_dir>/operator-token`
 * of the config (`--config`, `ORBIPLEX_CONFIG`, then orbiplex.json).
 */
import { FileSystem, Path } from "@effect/platform"
import { Effect, Either, Option, type Redacted, Schema } from "effect"
import { baseUrl, DEFAULT_OPERATOR_ADDRESS, parseListenAddress } from "../operator/OperatorConfig.js"
import { parseOperatorAddress } from "../operator/OperatorClient.js"
import * as OperatorToken from "../operator/OperatorToken.js"
import { resolveConfigFile } from "./ConfigFile.js"

// Only what the CLI needs of a node config; the rest of the file is the node's business.
const ConfigPeek = Schema.parseJson(Schema.Struct({
  node: Schema.optional(Schema.Struct({ data_dir: Schema.optional(Schema.String) })),
  operator: Schema.optional(Schema.Struct({ listen: Schema.optional(Schema.String) }))
}))

/** What the command line gave. */
export interface TargetOptions {
  readonly operator: Option.Option<string>
  readonly config: Option.Option<string>
}

/** The node to talk to. */
export interface OperatorTarget {
  readonly url: string
  readonly token: Redacted.Redacted<string>
}

const peekConfig = (file: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const text = yield* fs.readFileString(file).pipe(Effect.mapError((error) => error.message))
    const peek = yield* Schema.decode(ConfigPeek)(text).pipe(Effect.mapError((error) => `not a node config: ${error.message}`))
    const dataDir = path.resolve(path.dirname(path.resolve(file)), peek.node?.data_dir ?? "./data")
    const listen = peek.operator?.listen === undefined
      ? Option.none()
      : yield* Effect.option(parseListenAddress(peek.operator.listen))
    // Port 0 is picked at start: only the node's log tells it, so it is no default for a client.
    return { dataDir, listen: Option.filter(listen, (address) => address.port !== 0) }
  })

/** Resolves the address and the token. */
export const resolveTarget = (options: TargetOptions) =>
  Effect.gen(function*() {
    const file = yield* resolveConfigFile(options.config)
    const peeked = yield* Effect.either(peekConfig(file))
    const fromConfig = Option.flatMap(Either.getRight(peeked), (peek) => peek.listen)
    const address = yield* Option.match(options.operator, {
      onSome: parseOperatorAddress,
      onNone: () => Option.match(fromConfig, { onSome: Effect.succeed, onNone: () => parseOperatorAddress(DEFAULT_OPERATOR_ADDRESS) })
    })
    const token = yield* Either.match(peeked, {
      onRight: (peek) => OperatorToken.read(peek.dataDir),
      // Without a readable config only the environment can give the token.
      onLeft: (reason) =>
        Effect.flatMap(OperatorToken.fromEnvironment, (found) =>
          Option.match(found, {
            onSome: Effect.succeed,
            onNone: () =>
              new OperatorToken.OperatorTokenUnavailable({
                file,
                reason: `the token is in the data_dir this config names, and the config cannot be read (${reason}). ` +
                  `Pass the node's config with --config, or set ${OperatorToken.TOKEN_ENV}`
              })
          }))
    })
    const target: OperatorTarget = { url: baseUrl(address), token: token.value }
    return target
  })
