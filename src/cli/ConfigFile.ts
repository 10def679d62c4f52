/**
 * Which config file a command uses: `--config`, else `ORBIPLEX_CONFIG`, else the repository's
 * `orbiplex.json` (the default that `npm start` runs).
 */
import { Options } from "@effect/cli"
import { Path } from "@effect/platform"
import { Config, Effect, Option } from "effect"
import { packageRoot } from "../config/Bundled.js"

/** The `--config <file>` option, falling back to `ORBIPLEX_CONFIG`. */
export const configOption = Options.file("config").pipe(
  Options.withAlias("c"),
  Options.withDescription("the node config file (JSON); defaults to $ORBIPLEX_CONFIG, then orbiplex.json"),
  Options.withFallbackConfig(Config.string("ORBIPLEX_CONFIG")),
  Options.optional
)

/** The file to load. */
export const resolveConfigFile = (option: Option.Option<string>) =>
  Option.match(option, {
    onSome: Effect.succeed,
    onNone: () =>
      Effect.gen(function*() {
        const path = yield* Path.Path
        const root = yield* packageRoot
        return Option.match(root, { onNone: () => "orbiplex.json", onSome: (dir) => path.join(dir, "orbiplex.json") })
      })
  })
