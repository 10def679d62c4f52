/**
 * Lifecycle states and facts of a supervised module (CONTRACTS §1.4), as operators read them.
 */
import { Schema } from "effect"

/** The states a supervised module moves through. */
export const ModuleState = Schema.Literal(
  "configured",
  "starting",
  "ready",
  "degraded",
  "stopping",
  "stopped",
  "failed"
)
/** A module state. */
export type ModuleState = typeof ModuleState.Type

/** States in which a member takes calls. */
export const isServing = (state: ModuleState): boolean => state === "ready" || state === "degraded"

/** States from which a member will not come back without an operator. */
export const isSettledDown = (state: ModuleState): boolean =>
  state === "failed" || state === "stopped" || state === "configured"

/** States `awaitSettled` waits for: serving, or given up, or stopped. */
export const isSettled = (state: ModuleState): boolean => isServing(state) || state === "failed" || state === "stopped"

/** Why a transition happened. */
export const FactCause = Schema.Literal(
  "start",
  "listening",
  "ready",
  "health-change",
  "crash",
  "restart",
  "stop",
  "budget-exhausted",
  "config-digest-change",
  "start-failed"
)
/** A transition cause. */
export type FactCause = typeof FactCause.Type

/** One transition `{at, module_id, from, to, cause}` plus a human detail line. */
export class LifecycleFact extends Schema.Class<LifecycleFact>("LifecycleFact")({
  at: Schema.String,
  module_id: Schema.String,
  executor_id: Schema.String,
  component_id: Schema.String,
  from: ModuleState,
  to: ModuleState,
  cause: FactCause,
  detail: Schema.String,
  pid: Schema.optional(Schema.Int),
  port: Schema.optional(Schema.Int)
}) {}
