/**
 * The rule both workflow capabilities share: an intent may only act on the run that asked
 * (`run_id` = the intent's correlation id).
 */
import { Effect } from "effect"
import type { IntentContext } from "../middleware/IntentHost.js"
import { CapabilityFailed } from "./Capability.js"

/** Fails unless `runId` is the run whose move raised the intent. */
export const sameRun = (capability: string, runId: string, context: IntentContext) =>
  runId === context.correlationId
    ? Effect.void
    : Effect.fail(
      new CapabilityFailed({
        capability,
        detail: `run_id ${JSON.stringify(runId)} is not the run that asked (${JSON.stringify(context.correlationId)}); ` +
          `a run may only schedule or change itself`
      })
    )
