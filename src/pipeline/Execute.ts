/**
 * Dataflow execution of a checked pipeline (CONTRACTS §3.6). A step starts the moment its last
 * input exists; independent steps run in parallel fibers; a failed step marks exactly its
 * transitive dependents `skipped` at once, and every other step still completes.
 *
 * Scheduling is by counters, linear in steps plus edges: each step keeps the number of inputs it
 * still waits for. When a step finishes, its dependents' counters drop; the fiber that finished
 * continues with one newly ready step itself and forks the others, so a chain runs without forks.
 */
import { Cause, Deferred, Effect, Either, Exit, FiberSet, Option, Schema } from "effect"
import { describeValue, diff, formatMismatches } from "../typelang/TypeCheck.js"
import { describe } from "../typelang/TypeLanguage.js"
import type { CheckedPipeline, CheckedStep } from "./Check.js"
import { evaluate, setField, Unavailable } from "./Plan.js"

const MismatchSchema = Schema.Struct({ path: Schema.String, expected: Schema.String, received: Schema.String })

const causeMessage = (cause: unknown): string => {
  if (typeof cause === "string") return cause
  if (typeof cause === "object" && cause !== null && "message" in cause && typeof cause.message === "string") {
    return cause.message
  }
  return describeValue(cause)
}

/** A step that did not produce its output; `cause` is what the runner or the module failed with. */
export class StepFailure extends Schema.TaggedError<StepFailure>()("StepFailure", {
  step: Schema.String,
  module: Schema.String,
  cause: Schema.Unknown
}) {
  get message(): string {
    return `step "${this.step}" (module "${this.module}") failed: ${causeMessage(this.cause)}. ` +
      `The steps that need its output were skipped; fix the cause and run the pipeline again.`
  }
}

/** A module returned a value that is not of its declared output type. */
export class StepOutputMismatch extends Schema.TaggedError<StepOutputMismatch>()("StepOutputMismatch", {
  module: Schema.String,
  expected: Schema.String,
  mismatches: Schema.Array(MismatchSchema)
}) {
  get message(): string {
    return `module "${this.module}" returned a value that is not of its output type ${this.expected}: ${
      formatMismatches(this.mismatches)
    }. Fix the module, or its declared output type if the module is right.`
  }
}

/** The pipeline input does not match the pipeline's declared `inputs`; nothing was run. */
export class PipelineInputInvalid extends Schema.TaggedError<PipelineInputInvalid>()("PipelineInputInvalid", {
  pipeline: Schema.String,
  expected: Schema.String,
  mismatches: Schema.Array(MismatchSchema)
}) {
  get message(): string {
    return `pipeline "${this.pipeline}" was not run: its input does not match ${this.expected}: ${
      formatMismatches(this.mismatches)
    }. Pass a value of that type for every required input.`
  }
}

/** What a step runner is asked to do: call `module` with `input` under the step's call options. */
export interface StepCall {
  readonly name: string
  readonly module: string
  readonly input: unknown
  /** The step's `with` object, unchanged (undefined when the step has none). */
  readonly options: unknown
  /** Counts one attempt; a retry policy runs it at the start of every attempt (reported as `attempts`). */
  readonly attempt: Effect.Effect<void>
}

/** Runs one step: a provider call, an in-process module, or anything else that yields JSON. */
export type StepRunner = (step: StepCall) => Effect.Effect<unknown, StepFailure>

/** How one step ended. */
export type StepReport =
  | { readonly status: "ok"; readonly durationMs: number; readonly attempts?: number }
  | { readonly status: "failed"; readonly durationMs: number; readonly error: StepFailure; readonly attempts?: number }
  | { readonly status: "skipped"; readonly durationMs: 0; readonly upstream: string }

/** The outcome of one run: outputs that could be computed, every step's report, the failures. */
export interface PipelineResult {
  readonly pipeline: string
  readonly success: boolean
  /** The outputs whose references all resolved (outputs that need a failed step are absent). */
  readonly outputs: Readonly<Record<string, unknown>>
  readonly steps: Readonly<Record<string, StepReport>>
  /** Every failed step with its error (skipped steps name theirs in `steps[name].upstream`). */
  readonly failures: ReadonlyArray<StepFailure>
}

/** A run in which some step failed, for callers that want failure in the error channel. */
export class PipelineFailed extends Schema.TaggedError<PipelineFailed>()("PipelineFailed", {
  pipeline: Schema.String,
  failures: Schema.Array(StepFailure),
  outputs: Schema.Record({ key: Schema.String, value: Schema.Unknown })
}) {
  get message(): string {
    return `pipeline "${this.pipeline}" failed in ${this.failures.length} step(s): ${
      this.failures.map((f) => f.message).join(" | ")
    }`
  }
}

/** Turns a result with failed steps into a `PipelineFailed` error. */
export const requireSuccess = (result: PipelineResult): Effect.Effect<PipelineResult, PipelineFailed> =>
  result.success
    ? Effect.succeed(result)
    : Effect.fail(new PipelineFailed({ pipeline: result.pipeline, failures: result.failures, outputs: result.outputs }))

const toFailure = (step: CheckedStep, cause: Cause.Cause<StepFailure>): StepFailure =>
  Option.getOrElse(
    Cause.failureOption(cause),
    () => new StepFailure({ step: step.name, module: step.module, cause: Cause.squash(cause) })
  )

const withAttempts = (attempts: number) => (attempts > 0 ? { attempts } : {})

/** Validates the input, runs every step as a dataflow, and reports each step and the outputs. */
export const execute = Effect.fn("Pipeline.execute")(
  function*(pipeline: CheckedPipeline, input: unknown, runner: StepRunner) {
    const decoded = pipeline.decodeInput(input)
    if (Either.isLeft(decoded)) {
      return yield* new PipelineInputInvalid({
        pipeline: pipeline.name,
        expected: describe(pipeline.inputType),
        mismatches: diff(pipeline.inputType, input)
      })
    }
    const inputs = decoded.right
    const steps = pipeline.steps
    const outputs: Array<unknown> = new Array(steps.length)
    const reports: Array<StepReport | undefined> = new Array(steps.length)
    const succeeded = new Uint8Array(steps.length)
    const waiting = Int32Array.from(steps, (step) => step.dependencies.length)
    const isOk = (index: number) => succeeded[index] === 1
    let remaining = steps.length
    const done = yield* Deferred.make<void>()
    const fibers = yield* FiberSet.make<void, never>()
    const fork = yield* FiberSet.runtime(fibers)<never>()

    const skipDependents = (failed: CheckedStep) => {
      const stack = [...failed.dependents]
      for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
        if (reports[next] !== undefined) continue
        reports[next] = { status: "skipped", durationMs: 0, upstream: failed.name }
        remaining--
        const dependents = steps[next]?.dependents
        if (dependents !== undefined) for (const d of dependents) stack.push(d)
      }
    }

    // Records how step `step` ended and returns the steps that became ready because of it.
    const settle = (step: CheckedStep, exit: Exit.Exit<unknown, StepFailure>, durationMs: number, attempts: number) => {
      remaining--
      const output = Exit.isSuccess(exit) ? step.decodeOutput(exit.value) : undefined
      if (output !== undefined && Either.isRight(output)) {
        outputs[step.index] = output.right
        succeeded[step.index] = 1
        reports[step.index] = attempts > 0 ? { status: "ok", durationMs, attempts } : { status: "ok", durationMs }
        const ready: Array<number> = []
        for (const d of step.dependents) {
          const left = (waiting[d] ?? 0) - 1
          waiting[d] = left
          if (left === 0 && reports[d] === undefined) ready.push(d)
        }
        return ready
      }
      const error = Exit.isFailure(exit)
        ? toFailure(step, exit.cause)
        : new StepFailure({
          step: step.name,
          module: step.module,
          cause: new StepOutputMismatch({
            module: step.module,
            expected: describe(step.signature.output),
            mismatches: diff(step.signature.output, exit.value)
          })
        })
      reports[step.index] = { status: "failed", durationMs, error, ...withAttempts(attempts) }
      skipDependents(step)
      return []
    }

    const clock = yield* Effect.clock
    // Called when step `index` is ready (its inputs exist), so its input is built here; only the
    // runner's effect is deferred, into the suspend whose throws become the step's failure.
    const runFrom = (index: number): Effect.Effect<void> => {
      const step = steps[index]
      if (step === undefined) return Effect.void
      let attempts = 0
      let start = BigInt(0)
      const call: StepCall = {
        name: step.name,
        module: step.module,
        input: evaluate(step.input, inputs, outputs, isOk),
        options: step.options,
        attempt: Effect.sync(() => {
          attempts++
        })
      }
      const after = (exit: Exit.Exit<unknown, StepFailure>): Effect.Effect<void> => {
        const durationMs = Number(clock.unsafeCurrentTimeNanos() - start) / 1e6
        const ready = settle(step, exit, durationMs, attempts)
        // The first ready step runs on in this fiber (a chain forks nothing); the others get fibers.
        const [next] = ready
        for (let i = 1; i < ready.length; i++) {
          const other = ready[i]
          if (other !== undefined) fork(runFrom(other))
        }
        if (remaining === 0) Deferred.unsafeDone(done, Exit.void)
        return next === undefined ? Effect.void : runFrom(next)
      }
      return Effect.matchCauseEffect(
        Effect.suspend(() => {
          start = clock.unsafeCurrentTimeNanos()
          return runner(call)
        }),
        {
          onFailure: (cause) => after(Exit.failCause(cause)),
          onSuccess: (value) => after(Exit.succeed(value))
        }
      )
    }

    for (const step of steps) if (step.dependencies.length === 0) fork(runFrom(step.index))
    if (remaining === 0) Deferred.unsafeDone(done, Exit.void)
    yield* Deferred.await(done)

    const results: Record<string, unknown> = {}
    for (const [name, plan] of pipeline.outputs) {
      const value = evaluate(plan, inputs, outputs, isOk)
      if (value !== Unavailable && value !== undefined) setField(results, name, value)
    }
    const stepReports: Record<string, StepReport> = {}
    const failures: Array<StepFailure> = []
    for (const step of steps) {
      const report = reports[step.index]
      if (report === undefined) continue
      setField(stepReports, step.name, report)
      if (report.status === "failed") failures.push(report.error)
    }
    const result: PipelineResult = {
      pipeline: pipeline.name,
      success: failures.length === 0 && steps.every((s) => reports[s.index]?.status === "ok"),
      outputs: results,
      steps: stepReports,
      failures
    }
    return result
  },
  Effect.scoped
)
