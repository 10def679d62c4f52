/**
 * The step runner of config and embedder pipelines: routes each step to its in-process TypeScript
 * module or to its provider, and runs it under its call options through the node's `CallPolicies`
 * (CONTRACTS §3.5 order), whichever kind of module it is. Every policed call leaves its report in
 * the run's trace (attempts with outcomes, where the value came from), and `on_error` is applied
 * as the step's checked type says (see `ModuleRoutes`).
 */
import { Effect, Either, ParseResult } from "effect"
import type { ProviderClient } from "../provider/ProviderClient.js"
import type { CallOptions } from "../resilience/CallOptions.js"
import type { CallPolicies } from "../resilience/CallPolicies.js"
import type { CallReport } from "../resilience/CallReport.js"
import type { StepCall, StepRunner } from "./Execute.js"
import { StepFailure } from "./Execute.js"
import { type ModuleRoutes, outputGuard, parseVariant, type Route, type StepMode, stepCallOptions } from "./ModuleRoutes.js"

/** What one step's call did, for the run's trace. */
export interface StepTrace {
  readonly module: string
  readonly mode: StepMode
  /** The call's report; absent for in-process steps without options, which run directly. */
  readonly report: CallReport<unknown, unknown> | undefined
}

/** Everything the runner needs, resolved when the node starts. */
export interface RunnerContext {
  readonly routes: ModuleRoutes
  readonly client: ProviderClient["Type"]
  readonly policies: CallPolicies["Type"]
}

interface Prepared {
  readonly route: Route
  readonly module: string
  readonly mode: StepMode
  readonly options: Either.Either<CallOptions, ParseResult.ParseError>
  readonly isOutput: (u: unknown) => u is unknown
}

/** The JSON `on_error: wrap` gives for an error. */
export const wrappedError = (error: unknown): { readonly tag: string; readonly message: string; readonly code?: string } => {
  const tag = typeof error === "object" && error !== null && "_tag" in error && typeof error._tag === "string" ? error._tag : "Error"
  const message = typeof error === "object" && error !== null && "message" in error && typeof error.message === "string"
    ? error.message
    : String(error)
  const code = typeof error === "object" && error !== null && "code" in error && typeof error.code === "string" ? error.code : undefined
  return code === undefined ? { tag, message } : { tag, message, code }
}

// An in-process module that refuses its own input or output will refuse it again: not worth a retry.
const isRetryableInProcess = (error: unknown): boolean => !(error instanceof ParseResult.ParseError)
const anyError = (_: unknown): _ is unknown => true

/**
 * A runner factory: each run gets its own runner, which records one `StepTrace` per policed step
 * into `trace`. Preparation (route lookup, option decoding) is cached across runs per step definition.
 */
export const makeStepRunner = (context: RunnerContext): (trace: Map<string, StepTrace>) => StepRunner => {
  const { client, policies, routes } = context
  const prepared = new WeakMap<object, Map<string, Prepared | null>>()
  const noOptions = new Map<string, Prepared | null>()

  const prepare = (step: StepCall): Prepared | undefined => {
    const options = typeof step.options === "object" && step.options !== null ? step.options : undefined
    let cache = options === undefined ? noOptions : prepared.get(options)
    if (cache === undefined) {
      cache = new Map()
      if (options !== undefined) prepared.set(options, cache)
    }
    // One lookup per step on the hot path; an unknown module is cached as `null`.
    const known = cache.get(step.module)
    if (known !== undefined) return known ?? undefined
    const { mode, module } = parseVariant(step.module)
    const route = routes.routes.get(module)
    const made = route === undefined ? null : {
      route,
      module,
      mode,
      options: stepCallOptions(route, options === undefined ? undefined : Object.fromEntries(Object.entries(options))),
      isOutput: outputGuard(route.signature)
    }
    cache.set(step.module, made)
    return made ?? undefined
  }

  const failure = (step: StepCall, cause: unknown) => new StepFailure({ step: step.name, module: step.module, cause })

  // A branch rather than `Either.match`: no handler object and closures per step.
  const settle = (step: StepCall, p: Prepared, report: CallReport<unknown, unknown>): Effect.Effect<unknown, StepFailure> => {
    const result = report.result
    if (Either.isRight(result)) return Effect.succeed(p.mode === "wrap" ? { ok: true, value: result.right } : result.right)
    const error = result.left
    return p.mode === "propagate"
      ? Effect.fail(failure(step, error))
      : Effect.succeed(
        p.mode === "wrap" ? { ok: false, error: wrappedError(error) } : p.route.signature.output._tag === "Record" ? {} : null
      )
  }

  return (trace) => (step) => {
    const p = prepare(step)
    if (p === undefined) {
      return Effect.fail(failure(step, `no module named "${step.module}": register it as an in-process module or declare it under "providers"`))
    }
    if (Either.isLeft(p.options)) return Effect.fail(failure(step, p.options.left))
    const options = p.options.right
    const route = p.route
    if (route._tag === "InProcess" && step.options === undefined && p.mode === "propagate") {
      // Nothing to apply: run it directly (the 1000-step benchmark measures this path).
      return Effect.zipRight(step.attempt, Effect.mapError(route.module.invoke(step.input), (cause) => failure(step, cause)))
    }
    const report: Effect.Effect<CallReport<unknown, unknown>, StepFailure> = route._tag === "Provider"
      ? Effect.mapError(client.run(p.module, step.input, options, step.attempt), (cause) => failure(step, cause))
      : policies.run({
        module: p.module,
        options,
        input: step.input,
        call: () => Effect.zipRight(step.attempt, route.module.invoke(step.input)),
        isOutput: p.isOutput,
        isError: anyError,
        isRetryable: isRetryableInProcess
      })
    return Effect.flatMap(report, (r) => {
      trace.set(step.name, { module: p.module, mode: p.mode, report: r })
      return settle(step, p, r)
    })
  }
}
