/**
 * How the runner reads and changes a run record (docs/modules.md §3.8). The record itself is defined
 * once, in `store/RunRecord.ts` (the store persists it; the store sits below `workflow/`), and is
 * re-exported here: what Arca sees, the host's bookkeeping, the outcome of every intent id that ran.
 */
import type { IntentResult } from "../contract/Envelope.js"
import { isJsonObject, type Json, type JsonObject } from "../contract/Json.js"
import type { StepTerms } from "../capability/WorkflowTransition.js"
import type { RunRecord } from "../store/RunRecord.js"

export { HostRecord, RUN_SCHEMA, RunFailure, RunRecord, RunStatus } from "../store/RunRecord.js"

/** What Arca gets as `payload.workflow`: the run without the host's bookkeeping. */
export const workflowView = (record: RunRecord): JsonObject => ({
  run_id: record.run_id,
  workflow_id: record.workflow_id,
  template: record.template,
  params: record.params,
  state: record.state
})

/** The stored outcomes of the last decision's intents (what the next move receives). */
export const lastResults = (record: RunRecord): ReadonlyArray<IntentResult> =>
  record.host.last_intents.flatMap((id) => {
    const outcome = record.host.outcomes[id]
    return outcome === undefined ? [] : [outcome]
  })

/** A number at `key` of the state (e.g. `deadline_at_ms`), if there is one. */
export const stateNumber = (state: JsonObject, key: string): number | undefined => {
  const value = state[key]
  return typeof value === "number" ? value : undefined
}

/** A string at `key` of the state (e.g. `status`), if there is one. */
export const stateString = (state: JsonObject, key: string): string | undefined => {
  const value = state[key]
  return typeof value === "string" ? value : undefined
}

/**
 * The template with one step's economic terms replaced: how the host carries out an approved
 * transition (docs/modules.md §3.7) before Arca hears of the approval.
 */
export const withStepTerms = (template: JsonObject, stepId: string, terms: StepTerms): JsonObject => {
  const phases = template["phases"]
  if (!Array.isArray(phases)) return template
  return {
    ...template,
    phases: phases.map((phase: Json): Json => {
      if (!isJsonObject(phase) || !Array.isArray(phase["steps"])) return phase
      const steps: ReadonlyArray<Json> = phase["steps"]
      return {
        ...phase,
        steps: steps.map((step): Json =>
          isJsonObject(step) && step["step_id"] === stepId
            ? {
              ...step,
              provider_id: terms.provider_id,
              service_type: terms.service_type,
              price: terms.price,
              currency: terms.currency
            }
            : step
        )
      }
    })
  }
}
