/**
 * What `orbiplex validate` does: check a config (schema, paths, executables, providers, pipelines)
 * without starting anything; the same check `start` makes before it starts anything.
 */
import { Console, Effect, type Option } from "effect"
import { checkConfig } from "./ConfigCheck.js"
import { resolveConfigFile } from "./ConfigFile.js"

/** Loads and checks a config; fails with every problem found. */
export const validateConfig = checkConfig

/** Checks the config `config` names and prints what it holds. */
export const validateHandler = ({ config }: { readonly config: Option.Option<string> }) =>
  Effect.gen(function*() {
    const file = yield* resolveConfigFile(config)
    const nodeConfig = yield* checkConfig(file)
    const names = nodeConfig.modules.map((entry) => `${entry.component_id}${entry.enabled ? "" : " (disabled)"}`)
    yield* Console.log(`${file}: valid (${names.length} module(s)${names.length > 0 ? `: ${names.join(", ")}` : ""})`)
  })
