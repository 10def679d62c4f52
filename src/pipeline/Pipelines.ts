/**
 * The node's pipelines (CONTRACTS §3.6): the `pipelines` section of the config, every one checked
 * when the node starts against the catalog of providers and in-process modules (a node with a
 * broken pipeline does not start, and says why for each), and run on demand as a dataflow with
 * every step under its call options.
 */
import { Context, Effect, Either, Layer, Schema } from "effect"
import { ProviderClient } from "../provider/ProviderClient.js"
import { ProviderRegistry } from "../provider/ProviderRegistry.js"
import { CallPolicies } from "../resilience/CallPolicies.js"
import type { CheckedPipeline } from "./Check.js"
import type { ModuleCatalog } from "./Definition.js"
import { execute, type PipelineInputInvalid, type PipelineResult } from "./Execute.js"
import type { InProcessModule } from "./InProcessModule.js"
import { checkPipeline, clashes, makeRoutes } from "./ModuleRoutes.js"
import { formatProblem, PipelineCheckError, type PipelineProblem } from "./Problem.js"
import { makeStepRunner, type StepTrace } from "./StepRunner.js"

/** One run: the result of the dataflow and, per policed step, what its call did. */
export interface PipelineRun {
  readonly result: PipelineResult
  readonly trace: ReadonlyMap<string, StepTrace>
}

/** A run was asked for a pipeline the node does not have. */
export class UnknownPipeline extends Schema.TaggedError<UnknownPipeline>("orbiplex/pipeline/UnknownPipeline")("UnknownPipeline", {
  pipeline: Schema.String,
  known: Schema.Array(Schema.String)
}) {
  /** The name and the names that exist. */
  override get message(): string {
    return `no pipeline named "${this.pipeline}"; the config has: ${this.known.join(", ") || "(none)"}. Next: check the name, or add it under "pipelines".`
  }
}

/** Pipelines refused at load (each with all its problems), or module names used twice. */
export class PipelinesInvalid extends Schema.TaggedError<PipelinesInvalid>("orbiplex/pipeline/PipelinesInvalid")("PipelinesInvalid", {
  errors: Schema.Array(PipelineCheckError),
  clashes: Schema.Array(Schema.String)
}) {
  /** Every problem of every refused pipeline. */
  override get message(): string {
    const clash = this.clashes.map((name) =>
      `  - "${name}" is the name of a provider and of an in-process module: rename the provider (each module name means one module)`
    )
    return [`the pipelines could not be loaded:`, ...clash, ...this.errors.map((e) => e.message)].join("\n")
  }
}

/** The pipelines of the node. */
export class Pipelines extends Context.Tag("orbiplex/Pipelines")<Pipelines, {
  /** Pipeline names, in config order. */
  readonly names: ReadonlyArray<string>
  readonly get: (name: string) => Effect.Effect<CheckedPipeline, UnknownPipeline>
  /** Load-time warnings of every pipeline. */
  readonly warnings: ReadonlyArray<PipelineProblem>
  /** Signatures of every module a pipeline may use. */
  readonly catalog: ModuleCatalog
  /** Checks another definition (JSON or decoded, e.g. from `Pipeline.make`) against this node's modules. */
  readonly check: (name: string, definition: unknown) => Effect.Effect<CheckedPipeline, PipelineCheckError>
  /** Runs a config pipeline; failed steps are in the result, not in the error channel. */
  readonly run: (name: string, input: unknown) => Effect.Effect<PipelineRun, UnknownPipeline | PipelineInputInvalid>
  /** Runs a checked pipeline. */
  readonly runChecked: (pipeline: CheckedPipeline, input: unknown) => Effect.Effect<PipelineRun, PipelineInputInvalid>
}>() {}

/** Builds the service: checks every pipeline against the providers and `modules`. */
export const make = (
  definitions: Readonly<Record<string, unknown>>,
  modules: ReadonlyArray<InProcessModule<unknown, unknown>>
) =>
  Effect.gen(function*() {
    const registry = yield* ProviderRegistry
    const client = yield* ProviderClient
    const policies = yield* CallPolicies
    const routes = makeRoutes(registry.entries, modules)
    const errors: Array<PipelineCheckError> = []
    const checked = new Map<string, CheckedPipeline>()
    for (const [name, json] of Object.entries(definitions)) {
      const result = yield* Effect.either(checkPipeline(name, json, routes))
      if (Either.isLeft(result)) errors.push(result.left)
      else checked.set(name, result.right)
    }
    const clashing = clashes(registry.entries, modules)
    if (errors.length > 0 || clashing.length > 0) return yield* new PipelinesInvalid({ errors, clashes: clashing })
    const warnings = [...checked.values()].flatMap((p) => p.warnings)
    for (const warning of warnings) yield* Effect.logWarning(formatProblem(warning))

    const runnerFor = makeStepRunner({ routes, client, policies })
    const names = [...checked.keys()]
    const get = (name: string) => {
      const found = checked.get(name)
      return found === undefined ? Effect.fail(new UnknownPipeline({ pipeline: name, known: names })) : Effect.succeed(found)
    }
    const runChecked = (pipeline: CheckedPipeline, input: unknown) =>
      Effect.suspend(() => {
        const trace = new Map<string, StepTrace>()
        return Effect.map(execute(pipeline, input, runnerFor(trace)), (result): PipelineRun => ({ result, trace }))
      })
    return Pipelines.of({
      names,
      get,
      warnings,
      catalog: routes.catalog,
      check: (name, definition) => checkPipeline(name, definition, routes),
      run: (name, input) => Effect.flatMap(get(name), (pipeline) => runChecked(pipeline, input)),
      runChecked
    })
  })

/** The pipelines of a config; `modules` are the in-process modules steps may name. */
export const layer = (
  definitions: Readonly<Record<string, unknown>>,
  modules: ReadonlyArray<InProcessModule<unknown, unknown>>
): Layer.Layer<Pipelines, PipelinesInvalid, ProviderRegistry | ProviderClient | CallPolicies> => Layer.effect(Pipelines, make(definitions, modules))
