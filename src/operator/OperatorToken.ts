/**
 * The operator API's bearer token: made at the node's first start into `<data_dir>/operator-token`
 * (mode 0600) and read from there by the CLI; `ORBIPLEX_OPERATOR_TOKEN` overrides it on both sides.
 */
import { FileSystem, Path } from "@effect/platform"
import { Config, Context, Effect, Layer, Option, Redacted, Schema } from "effect"
import * as Crypto from "node:crypto"

/** The file under `data_dir` that holds the token. */
export const TOKEN_FILE = "operator-token"
/** The environment variable that overrides the file, for the node and the CLI alike. */
export const TOKEN_ENV = "ORBIPLEX_OPERATOR_TOKEN"

/** The token could not be made, read or written. */
export class OperatorTokenUnavailable extends Schema.TaggedError<OperatorTokenUnavailable>()("OperatorTokenUnavailable", {
  file: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `cannot use the operator token ${this.file}: ${this.reason}`
  }
}

/** The token the operator API requires on every request. */
export class OperatorToken extends Context.Tag("orbiplex/OperatorToken")<OperatorToken, {
  readonly value: Redacted.Redacted<string>
  /** Where it was read from: the file, or the environment variable. */
  readonly source: string
}>() {}

const envToken = Config.option(Config.redacted(TOKEN_ENV)).pipe(
  Effect.map(Option.filter((value) => Redacted.value(value).trim() !== "")),
  Effect.orElseSucceed(() => Option.none<Redacted.Redacted<string>>())
)

/** The token `ORBIPLEX_OPERATOR_TOKEN` gives, if any. */
export const fromEnvironment: Effect.Effect<Option.Option<OperatorToken["Type"]>> = Effect.map(
  envToken,
  Option.map((value) => OperatorToken.of({ value, source: TOKEN_ENV }))
)

const tokenFile = (dataDir: string) => Effect.map(Path.Path, (path) => path.join(dataDir, TOKEN_FILE))

const readFile = (file: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const text = (yield* fs.readFileString(file)).trim()
    if (text === "") return yield* new OperatorTokenUnavailable({ file, reason: "the file is empty: delete it and start the node to make a new one" })
    return Redacted.make(text)
  })

/** A fresh token: 32 random bytes, base64url. */
export const generate = (): string => Crypto.randomBytes(32).toString("base64url")

/**
 * The node side: the environment's token, else the file's, else a new one written to the file with
 * mode 0600 (the folder is made when missing). A file others can read is tightened to 0600.
 */
export const ensure = Effect.fn("OperatorToken.ensure")(function*(dataDir: string) {
  const fromEnv = yield* envToken
  if (Option.isSome(fromEnv)) return OperatorToken.of({ value: fromEnv.value, source: TOKEN_ENV })
  const fs = yield* FileSystem.FileSystem
  const file = yield* tokenFile(dataDir)
  const unavailable = (error: { readonly message: string }) => new OperatorTokenUnavailable({ file, reason: error.message })
  const exists = yield* fs.exists(file).pipe(Effect.mapError(unavailable))
  if (exists) {
    const info = yield* fs.stat(file).pipe(Effect.mapError(unavailable))
    if ((info.mode & 0o077) !== 0) {
      yield* Effect.logWarning(`${file} was readable by others; its mode is now 0600`)
      yield* fs.chmod(file, 0o600).pipe(Effect.mapError(unavailable))
    }
    const value = yield* readFile(file).pipe(Effect.mapError((error) => error._tag === "OperatorTokenUnavailable" ? error : unavailable(error)))
    return OperatorToken.of({ value, source: file })
  }
  yield* fs.makeDirectory(dataDir, { recursive: true }).pipe(Effect.mapError(unavailable))
  const value = generate()
  // `wx`: never overwrite a token another node wrote in the meantime.
  yield* fs.writeFileString(file, `${value}\n`, { mode: 0o600, flag: "wx" }).pipe(Effect.mapError(unavailable))
  yield* Effect.logInfo(`operator API token written to ${file} (mode 0600)`)
  return OperatorToken.of({ value: Redacted.make(value), source: file })
})

/** The CLI side: the environment's token, else the file the node wrote; never makes one. */
export const read = Effect.fn("OperatorToken.read")(function*(dataDir: string) {
  const fromEnv = yield* envToken
  if (Option.isSome(fromEnv)) return OperatorToken.of({ value: fromEnv.value, source: TOKEN_ENV })
  const file = yield* tokenFile(dataDir)
  const value = yield* readFile(file).pipe(
    Effect.catchTag("SystemError", (error) =>
      new OperatorTokenUnavailable({
        file,
        reason: error.reason === "NotFound"
          ? `it does not exist. The node writes it at its first start with the operator API on; pass the node's config ` +
            `with --config (the token is in its data_dir), or set ${TOKEN_ENV}`
          : `${error.message}. Run the command as the user that runs the node, or set ${TOKEN_ENV}`
      })),
    Effect.catchTag("BadArgument", (error) => new OperatorTokenUnavailable({ file, reason: error.message }))
  )
  return OperatorToken.of({ value, source: file })
})

/** The node's token for `dataDir` (made at the first start). */
export const layer = (dataDir: string): Layer.Layer<OperatorToken, OperatorTokenUnavailable, FileSystem.FileSystem | Path.Path> =>
  Layer.effect(OperatorToken, ensure(dataDir))

/** A fixed token (tests, embedders that manage their own). */
export const layerValue = (value: string): Layer.Layer<OperatorToken> =>
  Layer.succeed(OperatorToken, OperatorToken.of({ value: Redacted.make(value), source: "(given)" }))
