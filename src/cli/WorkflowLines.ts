/**
 * How `orbiplex workflow run` tells an operator what a run is doing: one line per phase start,
 * retry, failure and end (and per step, indented), the host's own interventions (a module
 * restarted under it, an intent answered from the stored outcome, a refused decision), and the
 * outcome. Pure functions of the runner's events, so they are tested without a terminal.
 */
import { Option } from "effect"
import { isJsonObject, type Json, type JsonObject } from "../contract/Json.js"
import type { RunEvent, RunOutcome } from "../workflow/WorkflowRun.js"

const str = (detail: JsonObject, key: string): string | undefined => {
  const value = detail[key]
  return typeof value === "string" ? value : typeof value === "number" ? String(value) : undefined
}

const clock = (ms: Json | undefined): string =>
  typeof ms === "number" ? new Date(ms).toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z") : "?"

/** Phase ids of a template, in order, for "(2/4)" labels. */
export const phaseOrder = (template: JsonObject): ReadonlyArray<string> => {
  const phases = template["phases"]
  return Array.isArray(phases)
    ? phases.flatMap((phase: Json) => (isJsonObject(phase) && typeof phase["phase_id"] === "string" ? [phase["phase_id"]] : []))
    : []
}

/** The line for one event, or `None` for events an operator does not need to see. */
export const eventLine = (event: RunEvent, phases: ReadonlyArray<string> = []): Option.Option<string> => {
  const d = event.detail
  const phase = str(d, "phase_id")
  const position = phase === undefined || !phases.includes(phase) ? "" : ` (${phases.indexOf(phase) + 1}/${phases.length})`
  const step = str(d, "step_id") ?? "?"
  const attempts = `${str(d, "attempt") ?? "?"}/${str(d, "max_attempts") ?? "?"}`
  switch (event.event) {
    case "host/run-started":
      return Option.some(`workflow ${str(d, "workflow_id") ?? "?"} run ${event.run_id} started on ${str(d, "executor_id") ?? "?"}`)
    case "host/run-resumed":
      return Option.some(`workflow run ${event.run_id} resumed after move ${str(d, "moves") ?? "0"}`)
    case "workflow/started":
      return Option.some(`  deadline ${clock(d["deadline_at_ms"])}`)
    case "workflow/phase-started":
      return Option.some(`phase ${phase ?? "?"}${position} started: ${str(d, "steps") ?? "?"} step(s)`)
    case "workflow/step-dispatched":
      return Option.some(`  ${step} dispatched (attempt ${attempts})`)
    case "workflow/step-completed":
      return Option.some(`  ${step} done`)
    case "workflow/step-retry-scheduled":
      return Option.some(`  ${step} attempt ${attempts} failed: ${str(d, "error") ?? "?"}; retry at ${clock(d["retry_at_ms"])}`)
    case "workflow/step-failed":
      return Option.some(`  ${step} FAILED after attempt ${attempts}: ${str(d, "error") ?? "?"}`)
    case "workflow/phase-completed":
      return Option.some(`phase ${phase ?? "?"}${position} completed`)
    case "workflow/phase-failed":
      return Option.some(`phase ${phase ?? "?"}${position} FAILED (${str(d, "code") ?? "?"})`)
    case "workflow/timeout":
      return Option.some(`workflow timed out (${str(d, "code") ?? "workflow-timeout"})`)
    case "workflow/transition-proposed":
    case "workflow/transition-approved":
    case "workflow/transition-refused":
    case "workflow/transition-applied":
    case "workflow/transition-moot":
    case "workflow/transition-invalid":
      return Option.some(
        `  transition ${str(d, "transition_id") ?? ""} ${event.event.slice("workflow/transition-".length)}` +
          `${str(d, "step_id") === undefined ? "" : ` for ${step}`}${str(d, "detail") === undefined ? "" : `: ${str(d, "detail")}`}`
      )
    case "host/arca-unavailable":
      return Option.some(`! ${str(d, "executor_id") ?? "arca"} unavailable (attempt ${str(d, "attempt")}/${str(d, "attempts")}): ${str(d, "error") ?? "?"}`)
    case "host/intent-replayed":
      return Option.some(`  ${str(d, "intent_id") ?? "?"} already ran: answered from the stored outcome (${str(d, "status") ?? "?"})`)
    case "host/intent-rejected":
      return Option.some(`  ! host refused intent ${str(d, "intent_id") ?? "?"} (${str(d, "capability") ?? "?"}): ${str(d, "reason") ?? "?"}`)
    case "host/intent-started":
      // The run sits idle while a retry backoff runs out: say until when.
      return str(d, "capability") === "workflow.schedule"
        ? Option.some(`  waiting until ${clock(d["wake_at_ms"])} (${str(d, "reason") ?? "retry backoff"})`)
        : Option.none()
    case "host/decision-rejected":
      return Option.some(`! the host refused the module's decision (${str(d, "kind") ?? "?"}): ${str(d, "message") ?? "?"}`)
    default:
      return Option.none()
  }
}

const money = (minor: number): string => (minor / 100).toFixed(2)

/** The closing line(s) of a run. */
export const outcomeLines = (outcome: RunOutcome, runFile: string): ReadonlyArray<string> => {
  const summary = isJsonObject(outcome.state["summary"]) ? outcome.state["summary"] : {}
  if (outcome.status === "completed") {
    const totals = isJsonObject(summary["price_total"]) ? summary["price_total"] : {}
    const paid = Object.entries(totals).map(([currency, minor]) => `${typeof minor === "number" ? money(minor) : "?"} ${currency}`)
    const staged = Array.isArray(summary["staged"]) ? summary["staged"].filter((p: Json) => typeof p === "string") : []
    return [
      `workflow ${outcome.workflow_id} run ${outcome.run_id} completed in ${outcome.moves} moves: ` +
        `${str(summary, "phases_done") ?? "?"} phases, ${str(summary, "steps_done") ?? "?"} steps` +
        `${paid.length === 0 ? "" : `, ${paid.join(" + ")}`}`,
      ...(staged.length === 0 ? [] : [`staged: ${staged.join(", ")}`]),
      `run saved in ${runFile}`
    ]
  }
  const failure = outcome.failure
  const where = [failure?.phase_id === undefined ? "" : `phase ${failure.phase_id}`, failure?.step_id === undefined ? "" : `step ${failure.step_id}`]
    .filter((part) => part !== "")
    .join(", ")
  return [
    `workflow ${outcome.workflow_id} run ${outcome.run_id} ${outcome.status.toUpperCase()}` +
      `${failure === undefined ? "" : ` (${failure.code}${where === "" ? "" : `, ${where}`})`}: ` +
      `${failure?.reason ?? (outcome.status === "cancelled" ? "cancelled by the operator" : "no reason recorded")}`,
    `run saved in ${runFile}${outcome.status === "suspended" ? " (resume it with --run-id)" : ""}`
  ]
}
