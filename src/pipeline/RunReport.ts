/**
 * A pipeline run as JSON, the form `orbiplex pipeline run` prints: outputs, each step's status with
 * its call trace (attempts, outcomes, where the value came from), and every failure with its typed
 * error (tag, message, and the error's own fields, such as a provider's code and message).
 */
import { Option } from "effect"
import { summary } from "../resilience/CallReport.js"
import type { StepReport } from "./Execute.js"
import type { PipelineRun } from "./Pipelines.js"
import type { StepTrace } from "./StepRunner.js"

/** An error as JSON: its tag, its message, and its own fields. */
export const errorJson = (error: unknown): Record<string, unknown> => {
  if (typeof error !== "object" || error === null) return { tag: "Error", message: String(error) }
  const fields: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(error)) {
    if (key === "_tag" || key === "stack" || key === "cause" || typeof value === "function") continue
    fields[key] = value
  }
  const tag = "_tag" in error && typeof error._tag === "string" ? error._tag : error instanceof Error ? error.name : "Error"
  const message = "message" in error && typeof error.message === "string" ? error.message : String(error)
  const cause = "cause" in error && error.cause !== undefined ? { cause: errorJson(error.cause) } : {}
  return { tag, message, ...fields, ...cause }
}

const traceJson = (trace: StepTrace): Record<string, unknown> => {
  const report = trace.report
  if (report === undefined) return {}
  return {
    trace: summary(report),
    source: report.source,
    execution_id: report.executionId,
    ...(trace.mode === "propagate" ? {} : { on_error: trace.mode }),
    attempt_log: report.attempts.map((a) => ({
      attempt: a.attempt,
      outcome: a.outcome,
      duration_ms: a.durationMs,
      ...(a.error === undefined ? {} : { error: a.error })
    })),
    ...Option.match(report.recovered, { onNone: () => ({}), onSome: (error) => ({ recovered_from: errorJson(error) }) }),
    ...(trace.mode !== "propagate" && report.result._tag === "Left" ? { error: errorJson(report.result.left) } : {})
  }
}

const stepJson = (report: StepReport, trace: StepTrace | undefined): Record<string, unknown> => {
  const base: Record<string, unknown> = { status: report.status, duration_ms: Math.round(report.durationMs * 1000) / 1000 }
  if (report.status === "skipped") return { ...base, upstream: report.upstream }
  const attempts = report.attempts === undefined ? {} : { attempts: report.attempts }
  const error = report.status === "failed" ? { error: errorJson(report.error) } : {}
  return { ...base, ...attempts, ...(trace === undefined ? {} : traceJson(trace)), ...error }
}

/** The JSON of a run. */
export const runJson = (run: PipelineRun): Record<string, unknown> => {
  const { result, trace } = run
  const steps: Record<string, unknown> = {}
  for (const [name, report] of Object.entries(result.steps)) {
    Object.defineProperty(steps, name, { value: stepJson(report, trace.get(name)), enumerable: true, writable: true })
  }
  return {
    pipeline: result.pipeline,
    success: result.success,
    outputs: result.outputs,
    steps,
    failures: result.failures.map((f) => ({ step: f.step, module: f.module, message: f.message, error: errorJson(f.cause) }))
  }
}
