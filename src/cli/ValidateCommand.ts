/**
 * `orbiplex validate`: check a config (schema, paths, executables, providers, pipelines) without
 * starting anything; the same check `start` makes before it starts anything.
 */
import { Command } from "@effect/cli"
import { Console, Effect } from "effect"
import { checkConfig } from "./ConfigCheck.js"
import { configOption, resolveConfigFile } from "./ConfigFile.js"

/** Loads and checks a config; fails with every problem found. */
export const validateConfig = checkConfig

/** The validate command. */
export const validateCommand = Command.make("validate", { config: configOption }, ({ config }) =>
  Effect.gen(function*() {
    const file = yield* resolveConfigFile(config)
    const nodeConfig = yield* checkConfig(file)
    const names = nodeConfig.modules.map((entry) => `${entry.component_id}${entry.enabled ? "" : " (disabled)"}`)
    yield* Console.log(`${file}: valid (${names.length} module(s)${names.length > 0 ? `: ${names.join(", ")}` : ""})`)
  })).pipe(Command.withDescription("check a config file and exit non-zero if anything is wrong"))
