/**
 * `orbiplex validate`: check a config (schema, paths, executables) without starting anything.
 */
import { Command } from "@effect/cli"
import { Console, Effect } from "effect"
import { loadNodeConfig } from "../config/ConfigLoader.js"
import { ConfigInvalid } from "../config/ConfigError.js"
import { Problem } from "../contract/Problems.js"
import { checkPipeline, makeRoutes } from "../pipeline/ModuleRoutes.js"
import { setupFromConfig } from "../node/PipelineNode.js"
import { formatProblem } from "../pipeline/Problem.js"
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
    // Providers (paths, schemas) and pipelines (checked against providers + in-process modules).
    const setup = yield* Effect.either(setupFromConfig(file, config))
    if (setup._tag === "Left") {
      problems.push(...setup.left.problems)
    } else {
      const routes = makeRoutes(setup.right.providers, setup.right.modules ?? [])
      for (const [name, definition] of Object.entries(config.pipelines)) {
        const checked = yield* Effect.either(checkPipeline(name, definition, routes))
        if (checked._tag === "Left") {
          for (const problem of checked.left.problems.filter((p) => p.severity === "error")) {
            problems.push(new Problem({ path: `pipelines.${name}`, message: formatProblem(problem) }))
          }
        }
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
