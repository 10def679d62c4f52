/**
 * `orbiplex validate`: check a config (schema, paths, executables) without starting anything.
 */
import { Command } from "@effect/cli"
import { Console, Effect } from "effect"
import { loadNodeConfig } from "../config/ConfigLoader.js"
import { ConfigInvalid } from "../config/ConfigError.js"
import { Problem } from "../contract/Problems.js"
import { preflight } from "../supervisor/Preflight.js"
import { configOption, resolveConfigFile } from "./ConfigFile.js"

/** Loads and preflights a config; fails with every problem found. */
export const validateConfig = (file: string) =>
  Effect.gen(function*() {
    const config = yield* loadNodeConfig(file)
    const problems: Array<Problem> = []
    for (const [index, entry] of config.modules.entries()) {
      if (!entry.enabled) continue
      for (const problem of yield* preflight(entry.launch)) {
        problems.push(new Problem({ path: `modules[${index}].${problem.field}`, message: `${problem.detail}: ${problem.hint}` }))
      }
    }
    if (problems.length > 0) return yield* new ConfigInvalid({ file, problems })
    return config
  })

/** The validate command. */
export const validateCommand = Command.make("validate", { config: configOption }, ({ config }) =>
  Effect.gen(function*() {
    const file = yield* resolveConfigFile(config)
    const nodeConfig = yield* validateConfig(file)
    const names = nodeConfig.modules.map((entry) => `${entry.component_id}${entry.enabled ? "" : " (disabled)"}`)
    yield* Console.log(`${file}: valid (${names.length} module(s)${names.length > 0 ? `: ${names.join(", ")}` : ""})`)
  })).pipe(Command.withDescription("check a config file and exit non-zero if anything is wrong"))
