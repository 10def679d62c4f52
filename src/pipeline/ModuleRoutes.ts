/**
 * Where each module of a pipeline runs and under which call options: in-process TypeScript modules
 * and providers in one catalog, each step's `with` merged over the provider's defaults and checked
 * when the pipeline loads (unknown options are errors, senseless combinations warnings).
 *
 * `on_error` changes what a step yields, so it changes the step's type, and the checker must see
 * it: a step with `on_error: skip` yields its output with every field optional (absent when the call
 * failed), so a step that needs one of those fields must declare it `Optional<...>`; a step with
 * `on_error: wrap` yields `{ ok, value?, error? }`. Such steps are checked against a module named
 * `<module> (on_error: skip|wrap)` whose signature says exactly that, and the runner maps it back.
 */
import { Effect, Either, ParseResult, Schema } from "effect"
import { problemsOf } from "../contract/Problems.js"
import { callOptionsOf, type ProviderEntry, signatureOf } from "../provider/ProviderConfig.js"
import { toSchema } from "../typelang/TypeCheck.js"
import type { RecordType, TypeNode } from "../typelang/TypeLanguage.js"
import { boolean, optional, record, string } from "../typelang/TypeLanguage.js"
import { CallOptions, lint, type OnError } from "../resilience/CallOptions.js"
import type { CheckedPipeline, CheckOptions } from "./Check.js"
import { check, load } from "./Check.js"
import type { ModuleCatalog, ModuleSignature, PipelineDefinition, StepDefinition } from "./Definition.js"
import { PipelineDefinition as PipelineDefinitionSchema } from "./Definition.js"
import type { InProcessModule, ModuleDeclaration } from "./InProcessModule.js"
import type { PipelineCheckError, PipelineProblem } from "./Problem.js"

/** Where a module runs. */
export type Route =
  | { readonly _tag: "InProcess"; readonly module: InProcessModule<unknown, unknown>; readonly signature: ModuleSignature }
  | { readonly _tag: "Provider"; readonly entry: ProviderEntry; readonly signature: ModuleSignature }

/** The modules a node can run, by name. */
export interface ModuleRoutes {
  readonly routes: ReadonlyMap<string, Route>
  /** Signatures by name, for the checker (without the `on_error` variants). */
  readonly catalog: ModuleCatalog
}

/** Names used by both a provider and an in-process module (each name must mean one module). */
export const clashes = (providers: ReadonlyArray<ProviderEntry>, modules: ReadonlyArray<ModuleDeclaration<unknown, unknown>>): Array<string> => {
  const names = new Set(providers.map((p) => p.name))
  return modules.filter((m) => names.has(m.name)).map((m) => m.name)
}

/** The routes of in-process modules and providers (providers win a name clash; see `clashes`). */
export const makeRoutes = (
  providers: ReadonlyArray<ProviderEntry>,
  modules: ReadonlyArray<InProcessModule<unknown, unknown>>
): ModuleRoutes => {
  const routes = new Map<string, Route>()
  for (const module of modules) {
    if (Either.isRight(module.signature)) routes.set(module.name, { _tag: "InProcess", module, signature: module.signature.right })
  }
  for (const entry of providers) routes.set(entry.name, { _tag: "Provider", entry, signature: signatureOf(entry) })
  return { routes, catalog: new Map([...routes].map(([name, route]) => [name, route.signature])) }
}

// ---------------------------------------------------------------------------------------------
// on_error variants
// ---------------------------------------------------------------------------------------------

/** How a step's failure becomes its value (`propagate`: it does not). */
export type StepMode = OnError

const variantPattern = /^(.*) \(on_error: (skip|wrap)\)$/

/** The module name a step of `module` is checked against under `mode`. */
export const variantName = (module: string, mode: StepMode): string => (mode === "propagate" ? module : `${module} (on_error: ${mode})`)

/** The real module and the mode behind a (possibly variant) module name. */
export const parseVariant = (name: string): { readonly module: string; readonly mode: StepMode } => {
  const match = variantPattern.exec(name)
  const mode = match?.[2]
  return match?.[1] !== undefined && (mode === "skip" || mode === "wrap") ? { module: match[1], mode } : { module: name, mode: "propagate" }
}

/** What `on_error: wrap` puts in `error`. */
export const WrappedErrorType: RecordType = record({ tag: string, message: string, code: optional(string) })

/** The type a step yields under `mode`. */
export const outputUnder = (output: TypeNode, mode: StepMode): TypeNode => {
  switch (mode) {
    case "propagate":
      return output
    case "skip":
      return output._tag === "Record"
        ? record(Object.fromEntries(Object.entries(output.fields).map(([k, t]) => [k, t._tag === "Optional" ? t : optional(t)])))
        : optional(output)
    case "wrap":
      return record({ ok: boolean, value: optional(output), error: optional(WrappedErrorType) })
  }
}

/** The encoded `with` a step runs under: the provider's defaults first, then the step's own. */
const decodeOptions = Schema.decodeUnknownEither(CallOptions, { errors: "all" })

/** The call options of a step of `route` with `stepOptions` (its `with`). */
export const stepCallOptions = (route: Route, stepOptions: Readonly<Record<string, unknown>> | undefined) =>
  route._tag === "Provider" ? callOptionsOf(route.entry, stepOptions) : decodeOptions(stepOptions ?? {})

const modeOf = (options: CallOptions): StepMode => (options.fallback !== undefined ? "propagate" : options.on_error)

/**
 * Rewrites the steps whose effective `on_error` is `skip` or `wrap` (and that have no `fallback`,
 * which would replace every error anyway) to the variant module, and adds the variants to the catalog.
 */
export const withVariants = (definition: PipelineDefinition, routes: ModuleRoutes): { readonly definition: PipelineDefinition; readonly catalog: ModuleCatalog } => {
  const catalog = new Map(routes.catalog)
  const steps: Record<string, StepDefinition> = {}
  for (const [name, step] of Object.entries(definition.steps)) {
    const route = routes.routes.get(step.module)
    const options = route === undefined ? undefined : Either.getOrUndefined(stepCallOptions(route, step.with))
    const mode = options === undefined ? "propagate" : modeOf(options)
    let module = step.module
    if (route !== undefined && mode !== "propagate") {
      module = variantName(step.module, mode)
      catalog.set(module, { input: route.signature.input, output: outputUnder(route.signature.output, mode) })
    }
    Object.defineProperty(steps, name, { value: module === step.module ? step : { ...step, module }, enumerable: true, writable: true })
  }
  return { definition: { ...definition, steps }, catalog }
}

// ---------------------------------------------------------------------------------------------
// Load-time checks
// ---------------------------------------------------------------------------------------------

const validator = (routes: ModuleRoutes): CheckOptions => ({
  validateStepOptions: ({ module, options }) => {
    const route = routes.routes.get(parseVariant(module).module)
    if (route === undefined) return []
    return Either.match(stepCallOptions(route, options), {
      onLeft: (error) => problemsOf(error).map((p) => `\`with.${p.path}\`: ${p.message}`),
      onRight: () => []
    })
  }
})

const lintWarnings = (pipeline: string, definition: PipelineDefinition, routes: ModuleRoutes): Array<PipelineProblem> =>
  Object.entries(definition.steps).flatMap(([step, def]) => {
    const route = routes.routes.get(parseVariant(def.module).module)
    const options = route === undefined ? undefined : Either.getOrUndefined(stepCallOptions(route, def.with))
    return options === undefined ? [] : lint(options).map((w): PipelineProblem => ({
      severity: "warning",
      kind: "InvalidOptions",
      pipeline,
      step,
      field: `with.${w.options[0] ?? ""}`,
      message: w.message
    }))
  })

/** Checks a decoded definition against the routes (with the `on_error` variants and the option checks). */
export const checkDefinition = (
  pipeline: string,
  definition: PipelineDefinition,
  routes: ModuleRoutes
): Either.Either<CheckedPipeline, PipelineCheckError> => {
  const variant = withVariants(definition, routes)
  return Either.map(check(pipeline, variant.definition, variant.catalog, validator(routes)), (checked) => ({
    ...checked,
    warnings: [...checked.warnings, ...lintWarnings(pipeline, definition, routes)]
  }))
}

const decodeDefinition = ParseResult.decodeUnknownEither(PipelineDefinitionSchema)

/**
 * Decodes (if it is still JSON) and checks one pipeline. A definition that does not decode is
 * reported as `Check.load` reports it: field by field, malformed types with their positions.
 */
export const checkPipeline = (pipeline: string, json: unknown, routes: ModuleRoutes): Effect.Effect<CheckedPipeline, PipelineCheckError> => {
  if (Schema.is(PipelineDefinitionSchema)(json)) return checkDefinition(pipeline, json, routes)
  const decoded = decodeDefinition(json)
  return Either.isRight(decoded)
    ? checkDefinition(pipeline, decoded.right, routes)
    : Effect.flatMap(load(pipeline, json, routes.catalog), (checked) => checkDefinition(pipeline, checked.definition, routes))
}

/** The compiled decoder of a route's output, for guards on cached values and fallbacks. */
export const outputGuard = (signature: ModuleSignature): ((u: unknown) => u is unknown) => {
  const decode = ParseResult.decodeUnknownEither(toSchema(signature.output))
  return (u: unknown): u is unknown => Either.isRight(decode(u))
}
