/**
 * What operators see of one supervised module (list / inspect).
 */
import { Schema } from "effect"
import { ModuleState } from "./LifecycleFact.js"

/** A module's current state and identity. */
export class ModuleStatus extends Schema.Class<ModuleStatus>("ModuleStatus")({
  executor_id: Schema.String,
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
