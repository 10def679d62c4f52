/**
 * The node config file (CONTRACTS §0), decoded with every default applied.
 */
import { Schema } from "effect"
import { ModuleEntry } from "../contract/ModuleEntry.js"
import { CatalogConfig, defaultExchange, ProcurementConfig, WorkflowConfig } from "../exchange/ExchangeConfig.js"
import { CapabilitiesConfig, defaultCapabilities } from "../capability/HostCapabilities.js"
import { HooksConfig } from "../middleware/HookConfig.js"
import { OperatorConfig } from "../operator/OperatorConfig.js"
import { TracingConfig } from "./TracingConfig.js"
import { ProviderEntry } from "../provider/ProviderConfig.js"
import { defaultPeer, PeerConfig, PeersConfig } from "./PeerConfig.js"
import { defaultLogs, LogsConfig } from "./LogsConfig.js"
import { SchedulesConfig } from "./ScheduleConfig.js"
import { defaultStorage, StorageConfig } from "./StorageConfig.js"

/** Log levels an operator may pick. */
export const LogLevelName = Schema.Literal("trace", "debug", "info", "warning", "error", "none")
/** A log level name. */
export type LogLevelName = typeof LogLevelName.Type

/** The node's own settings. */
export class NodeSettings extends Schema.Class<NodeSettings>("NodeSettings")({
  id: Schema.optionalWith(Schema.NonEmptyTrimmedString, { default: () => "node-1" }),
  data_dir: Schema.optionalWith(Schema.NonEmptyTrimmedString, { default: () => "./data" }),
  log_level: Schema.optionalWith(LogLevelName, { default: () => "info" as const })
}) {}

/** The whole node config, paths resolved against the file's folder. */
export class NodeConfig extends Schema.Class<NodeConfig>("NodeConfig")({
  node: Schema.optionalWith(NodeSettings, { default: () => NodeSettings.make({}) }),
  modules: Schema.optionalWith(Schema.Array(ModuleEntry), { default: () => [] }),
  hooks: Schema.optionalWith(HooksConfig, { default: () => ({}) }),
  capabilities: Schema.optionalWith(CapabilitiesConfig, { default: () => defaultCapabilities }),
  catalog: Schema.optionalWith(CatalogConfig, { default: () => defaultExchange.catalog }),
  procurement: Schema.optionalWith(ProcurementConfig, { default: () => defaultExchange.procurement }),
  workflow: Schema.optionalWith(WorkflowConfig, { default: () => defaultExchange.workflow }),
  operator: Schema.optionalWith(OperatorConfig, { default: () => ({}) }),
  providers: Schema.optionalWith(Schema.Array(ProviderEntry), { default: () => [] }),
  storage: Schema.optionalWith(StorageConfig, { default: () => defaultStorage }),
  peer: Schema.optionalWith(PeerConfig, { default: () => defaultPeer }),
  peers: Schema.optionalWith(PeersConfig, { default: () => [] }),
  logs: Schema.optionalWith(LogsConfig, { default: () => defaultLogs }),
  tracing: Schema.optionalWith(TracingConfig, { default: () => TracingConfig.make({}) }),
  schedules: Schema.optionalWith(SchedulesConfig, { default: () => [] }),
  pipelines: Schema.optionalWith(Schema.Record({ key: Schema.String, value: Schema.Unknown }), {
    default: () => ({})
  })
}) {}

/** The modules an operator has not disabled. */
export const enabledModules = (config: NodeConfig): ReadonlyArray<ModuleEntry> =>
  config.modules.filter((entry) => entry.enabled)
