/**
 * What operators see of one supervised member, module or provider (list / inspect).
 */
import { Schema } from "effect"
import { ModuleState } from "./LifecycleFact.js"

/** What a status row describes: a middleware module or a supervised provider. */
export const ModuleKind = Schema.Literal("module", "provider")
/** A member kind. */
export type ModuleKind = typeof ModuleKind.Type

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
  last_error: Schema.optional(Schema.String)
}) {}
