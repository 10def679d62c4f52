/**
 * What `orbiplex provider check --config <file>` does: validates the providers (schemas, URLs, launch blocks,
 * default options), starts the supervised ones, health-checks every provider, checks every
 * pipeline against the catalog, prints one line per finding, and exits non-zero if anything failed.
 */
import { Console, Effect, Either, Layer, type Option, Schema } from "effect"
import { loadNodeConfig } from "../config/ConfigLoader.js"
import * as OrbiplexNode from "../node/OrbiplexNode.js"
import { checkPipeline, clashes, makeRoutes } from "../pipeline/ModuleRoutes.js"
import * as PipelineNode from "../node/PipelineNode.js"
import { formatProblem } from "../pipeline/Problem.js"
import { standardModules } from "../pipeline/StandardModules.js"
import { healthLine, type ProviderHealth, ProviderRegistry } from "../provider/ProviderRegistry.js"
import * as ProviderRegistryLayer from "../provider/ProviderRegistry.js"
import * as ProviderTransport from "../provider/ProviderTransport.js"
import * as LifecycleLog from "../supervisor/LifecycleLog.js"
import { resolveConfigFile } from "./ConfigFile.js"

/** What `provider check` found wrong. */
export class ProviderCheckFailed extends Schema.TaggedError<ProviderCheckFailed>("orbiplex/cli/ProviderCheckFailed")("ProviderCheckFailed", {
  file: Schema.String,
  unhealthy: Schema.Array(Schema.String),
  pipelines: Schema.Array(Schema.String)
}) {
  /** A summary; the lines above it say what each problem is. */
  override get message(): string {
    const parts = [
      ...(this.unhealthy.length === 0 ? [] : [`unhealthy provider(s): ${this.unhealthy.join(", ")}`]),
      ...(this.pipelines.length === 0 ? [] : [`pipeline(s) that do not load: ${this.pipelines.join(", ")}`])
    ]
    return `${this.file}: ${parts.join("; ")}. See the lines above for each cause and what to check.`
  }
}

/** The outcome of a check: the lines to print and what failed. */
export interface ProviderCheckReport {
  readonly lines: ReadonlyArray<string>
  readonly health: ReadonlyArray<ProviderHealth>
  readonly unhealthy: ReadonlyArray<string>
  readonly brokenPipelines: ReadonlyArray<string>
}

/** Runs every check of a config file (supervised providers are started, then stopped). */
export const providerCheck = Effect.fn("ProviderCommand.check")(function*(file: string) {
  const config = yield* loadNodeConfig(file)
  const setup = yield* PipelineNode.setupFromConfig(file, config)
  const layer = ProviderRegistryLayer.layer(setup.providers, { skipStartupCheck: true }).pipe(
    Layer.provide(ProviderTransport.layer),
    Layer.provide(LifecycleLog.layer)
  )
  const health = yield* Effect.flatMap(ProviderRegistry, (registry) => registry.health()).pipe(
    Effect.provide(layer),
    Effect.provide(OrbiplexNode.logLevelLayer(config.node.log_level))
  )
  const lines: Array<string> = health.map(healthLine)
  const modules = setup.modules ?? standardModules
  const routes = makeRoutes(setup.providers, modules)
  for (const name of clashes(setup.providers, modules)) {
    lines.push(`module name "${name}" is both a provider and an in-process module: rename the provider`)
  }
  const broken: Array<string> = []
  for (const [name, json] of Object.entries(setup.pipelines)) {
    const checked = yield* Effect.either(checkPipeline(name, json, routes))
    if (Either.isLeft(checked)) {
      broken.push(name)
      lines.push(checked.left.message)
    } else {
      lines.push(`pipeline ${name}: ok (${checked.right.steps.length} step(s))`)
      for (const warning of checked.right.warnings) lines.push(`  warning: ${formatProblem(warning)}`)
    }
  }
  if (setup.providers.length === 0) lines.unshift("no providers in the config")
  return {
    lines,
    health,
    unhealthy: health.filter((h) => h.outcome === "unhealthy").map((h) => h.name),
    brokenPipelines: broken
  } satisfies ProviderCheckReport
})

/** Prints the report and fails when anything is unhealthy or does not load. */
export const providerCheckHandler = (args: { readonly config: Option.Option<string> }) =>
  Effect.gen(function*() {
    const file = yield* resolveConfigFile(args.config)
    const report = yield* providerCheck(file)
    for (const line of report.lines) yield* Console.log(line)
    if (report.unhealthy.length > 0 || report.brokenPipelines.length > 0) {
      return yield* new ProviderCheckFailed({ file, unhealthy: report.unhealthy, pipelines: report.brokenPipelines })
    }
    yield* Console.log(`${file}: providers and pipelines OK`)
  })
