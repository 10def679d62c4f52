/**
 * The capabilities this host ships (`inquirium.request`, `workspace.stage`) wired from the node
 * config, and their config section. Another capability joins by adding its service to `layerFrom`
 * here (or in an embedder's own composition).
 */
import type { HttpClient } from "@effect/platform"
import { NodeFileSystem, NodePath } from "@effect/platform-node"
import { Layer, Schema } from "effect"
import type { IntentHost } from "../middleware/IntentHost.js"
import { type Capabilities, layerFrom } from "./Capability.js"
import * as Inquirium from "./Inquirium.js"
import * as WorkspaceStage from "./WorkspaceStage.js"

/** The `capabilities` section of the node config: which inquirium provider, how large a staged file may be. */
export const CapabilitiesConfig = Schema.Struct({
  inquirium: Schema.optionalWith(Inquirium.InquiriumSettings, { default: () => ({ provider: "deterministic" as const }) }),
  workspace: Schema.optionalWith(
    Schema.Struct({
      max_bytes: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 1024 * 1024 * 1024)), { default: () => 8 * 1024 * 1024 })
    }),
    { default: () => ({ max_bytes: 8 * 1024 * 1024 }) }
  )
}).annotations({ identifier: "CapabilitiesConfig" })
/** The decoded `capabilities` section. */
export type CapabilitiesConfig = typeof CapabilitiesConfig.Type

/** The defaults: deterministic inquirium, 8 MiB staged files. */
export const defaultCapabilities: CapabilitiesConfig = Schema.decodeSync(CapabilitiesConfig)({})

/** What the host capabilities need from the node config. */
export interface HostSettings {
  readonly node: { readonly data_dir: string }
}

/**
 * The registry and `IntentHost` with the shipped capabilities: `config.node.data_dir` is where
 * `workspace.stage` writes; `capabilities` picks the inquirium provider.
 */
export const layer = (
  config: HostSettings,
  capabilities: CapabilitiesConfig = defaultCapabilities
): Layer.Layer<Capabilities | IntentHost, never, HttpClient.HttpClient> =>
  layerFrom(Inquirium.InquiriumRequest, WorkspaceStage.WorkspaceStage).pipe(
    Layer.provide(Inquirium.layer.pipe(Layer.provide(Inquirium.layerProvider(capabilities.inquirium)))),
    Layer.provide(
      WorkspaceStage.layer({ dataDir: config.node.data_dir, maxBytes: capabilities.workspace.max_bytes }).pipe(
        Layer.provide(Layer.merge(NodeFileSystem.layer, NodePath.layer))
      )
    )
  )
