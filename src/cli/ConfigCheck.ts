/**
 * The one check of a config before anything starts, shared by `validate` and `start`: schema,
 * cross-checks, every enabled module's preflight (missing or non-executable executable, missing
 * cwd), providers and pipelines, all listed in one pass.
 */
import { Effect, Either } from "effect"
import { ConfigInvalid } from "../config/ConfigError.js"
import { decodeNodeConfig, readConfigDocument } from "../config/ConfigLoader.js"
import { preflightConfig, preflightDocument } from "../config/ConfigPreflight.js"
import { Problem } from "../contract/Problems.js"
import { setupFromConfig } from "../node/PipelineNode.js"
import { checkPipeline, makeRoutes } from "../pipeline/ModuleRoutes.js"
import { formatProblem } from "../pipeline/Problem.js"

/** Loads, decodes and preflights a config; fails with every problem found, or answers the decoded config. */
export const checkConfig = Effect.fn("ConfigCheck.check")(function*(file: string) {
  const document = yield* readConfigDocument(file)
  const decoded = yield* Effect.either(decodeNodeConfig(file, document))
  if (Either.isLeft(decoded)) {
    const launches = yield* preflightDocument(file, document)
    const error = decoded.left
    return yield* new ConfigInvalid({ file, problems: [...error.problems, ...launches] })
  }
  const config = decoded.right
  const problems: Array<Problem> = yield* preflightConfig(config)
  // Providers (paths, schemas) and pipelines (checked against providers + in-process modules).
  const setup = yield* Effect.either(setupFromConfig(file, config))
  if (Either.isLeft(setup)) {
    problems.push(...setup.left.problems)
  } else {
    const routes = makeRoutes(setup.right.providers, setup.right.modules ?? [])
    for (const [name, definition] of Object.entries(config.pipelines)) {
      const checked = yield* Effect.either(checkPipeline(name, definition, routes))
      if (Either.isLeft(checked)) {
        for (const problem of checked.left.problems.filter((p) => p.severity === "error")) {
          problems.push(new Problem({ path: `pipelines.${name}`, message: formatProblem(problem) }))
        }
      }
    }
  }
  if (problems.length > 0) return yield* new ConfigInvalid({ file, problems })
  return config
})
