/**
 * `middleware-init.v1` (host → module) and `middleware-module-report.v1` (module → host), CONTRACTS §1.5.
 */
import { Schema } from "effect"
import { JsonObject } from "./Json.js"

/** The contract version this host speaks; a report with another major version is refused. */
export const MIDDLEWARE_CONTRACT_VERSION = "1.0"
/** The host API version this host offers. */
export const HOST_API_VERSION = "1.0"

/** The init message the host sends once a module is ready. */
export class MiddlewareInit extends Schema.Class<MiddlewareInit>("MiddlewareInit")({
  schema_version: Schema.Literal("middleware-init.v1"),
  middleware_contract_version: Schema.String,
  host_api_version: Schema.String,
  host_version: Schema.String,
  executor_id: Schema.String,
  executor_kind: Schema.Literal("http_local_json"),
  node_id: Schema.String,
  granted_capabilities: Schema.Array(Schema.String),
  /** Our extension: the entry's `settings` from the node config (a module's own profile). */
  module_settings: Schema.optional(JsonObject)
}) {}

/** One capability a module describes in its report (descriptive only: grants come from config). */
export class ReportedCapability extends Schema.Class<ReportedCapability>("ReportedCapability")({
  capability_id: Schema.NonEmptyTrimmedString,
  class: Schema.String,
  description: Schema.String
}) {}

const VersionString = Schema.String.pipe(
  Schema.pattern(/^\d+\.\d+(\.\d+)?([-+].*)?$/, {
    message: () => "a version such as \"1.0\" or \"0.1.0\""
  })
)

/** What a module says about itself at init. */
export class ModuleReport extends Schema.Class<ModuleReport>("ModuleReport")({
  schema_version: Schema.Literal("middleware-module-report.v1"),
  module_id: Schema.NonEmptyTrimmedString,
  module_name: Schema.NonEmptyTrimmedString,
  description: Schema.String,
  module_version: VersionString,
  middleware_contract_version: VersionString,
  host_api_version: VersionString,
  capabilities: Schema.Array(ReportedCapability),
  hooks: Schema.Array(Schema.String)
}) {}

/** The major part of a `"1.0"`-style version. */
export const majorOf = (version: string): string => version.split(".")[0] ?? version
