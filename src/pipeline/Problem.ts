/**
 * Load-time problems of a pipeline and the error that carries them.
 */
import { Schema } from "effect"

/** The kinds of load-time problem; `ExtraField` and `UnusedInput` are warnings, the rest errors. */
export const ProblemKind = Schema.Literal(
  "InvalidDefinition",
  "InvalidStepName",
  "UnknownModule",
  "UnknownStep",
  "UnknownField",
  "MalformedReference",
  "Cycle",
  "TypeMismatch",
  "MissingInput",
  "FallbackMismatch",
  "InvalidOptions",
  "ExtraField",
  "UnusedInput"
)

/** A problem kind. */
export type ProblemKind = typeof ProblemKind.Type

/** One problem found when a pipeline is loaded: where it is and what to do about it. */
export const PipelineProblem = Schema.Struct({
  severity: Schema.Literal("error", "warning"),
  kind: ProblemKind,
  pipeline: Schema.String,
  /** The step it concerns, if any. */
  step: Schema.optional(Schema.String),
  /** JSON path in the step definition (`input.text`, `with.fallback`) or, without a step, in the pipeline. */
  field: Schema.optional(Schema.String),
  /** What is wrong and how to fix it. */
  message: Schema.String
})

/** A decoded problem. */
export type PipelineProblem = typeof PipelineProblem.Type

/** `pipeline "p", step "s", at input.text: <message>`. */
export const formatProblem = (problem: PipelineProblem): string => {
  const where = [`pipeline "${problem.pipeline}"`]
  if (problem.step !== undefined) where.push(`step "${problem.step}"`)
  if (problem.field !== undefined && problem.field !== "") where.push(`at ${problem.field}`)
  return `${where.join(", ")}: ${problem.message}`
}

/** A pipeline refused at load, with every error found (and the warnings, for context). */
export class PipelineCheckError extends Schema.TaggedError<PipelineCheckError>()("PipelineCheckError", {
  pipeline: Schema.String,
  problems: Schema.Array(PipelineProblem)
}) {
  get message(): string {
    const errors = this.problems.filter((p) => p.severity === "error")
    const lines = errors.map((p) => `  - ${formatProblem(p)}`)
    return `pipeline "${this.pipeline}" was not loaded: ${errors.length} problem${errors.length === 1 ? "" : "s"}:\n${
      lines.join("\n")
    }`
  }
}
