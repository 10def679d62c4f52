/**
 * What operators see of one supervised member, module or provider (list / inspect).
 */
import { Schema } from "effect"
import { ModuleState } from "./LifecycleFact.js"

/** What a status row describes: a middleware module or a supervised provider. */
export const ModuleKind = Schema.Literal("module", "provider")
/** A member kind. */
export type ModuleKind = typeof ModuleKind.Type

/** How a member's last process ended: its exit code or the signal that killed it, and when. */
export class LastExit extends Schema.Class<LastExit>("LastExit")({
  code: Schema.optional(Schema.Int),
  signal: Schema.optional(Schema.String),
  at: Schema.String
}) {}

/** A supervised member's current state and identity. */
export class ModuleStatus extends Schema.Class<ModuleStatus>("ModuleStatus")({
  executor_id: Schema.String,
  kind: Schema.optionalWith(ModuleKind, { default: () => "module" }),
  module_id: Schema.String,
  component_id: Schema.String,
  state: ModuleState,
  since: Schema.String,
  pid: Schema.optional(Schema.Int),
  port: Schema.optional(Schema.Int),
  module_name: Schema.optional(Schema.String),
  module_version: Schema.optional(Schema.String),
  description: Schema.optional(Schema.String),
  capabilities: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [] }),
  hooks: Schema.Array(Schema.String),
  grants: Schema.Array(Schema.String),
  restarts: Schema.NonNegativeInt,
  health_failures: Schema.NonNegativeInt,
  last_error: Schema.optional(Schema.String),
  /** When the current run became ready (uptime counts from here). */
  ready_at: Schema.optional(Schema.String),
  /** Milliseconds since `ready_at`, when the status was read. */
  uptime_ms: Schema.optional(Schema.NonNegativeInt),
  last_exit: Schema.optional(LastExit),
  /** CPU time of the process over its wall time since it started, in percent of one core. */
  cpu_percent: Schema.optional(Schema.NonNegative),
  /** Resident set size of the process, in bytes. */
  rss_bytes: Schema.optional(Schema.NonNegativeInt)
}) {}
