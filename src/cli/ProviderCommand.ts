/**
 * `orbiplex provider check --config <file>`: its options; the provider registry and the pipeline
 * checks are loaded when it runs (ProviderHandlers).
 */
import { Command } from "@effect/cli"
import { configOption } from "./ConfigFile.js"
import { lazily } from "./Lazy.js"

/** `provider check`. */
export const providerCheckCommand = Command.make("check", { config: configOption }, (args) =>
  lazily(() => import("./ProviderHandlers.js"), (module) => module.providerCheckHandler(args))).pipe(
    Command.withDescription("validate the providers and pipelines of a config and health-check every provider; exit 1 on any problem")
  )

/** `provider`, with its subcommands. */
export const providerCommand = Command.make("provider").pipe(
  Command.withDescription("RFC-024 providers: typed modules reached over HTTP"),
  Command.withSubcommands([providerCheckCommand])
)
