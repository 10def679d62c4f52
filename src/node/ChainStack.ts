/**
 * The middleware chain feature: the hook registry, the trace store, the `IntentHost` port and the
 * node's ONE chain runner, over the supervisor and the invocation client. `layerCore` leaves the
 * port unbound (the node's capability registry binds it once built, see `NodeCapabilities`);
 * `layer` binds it to the provider-side capabilities, for programs without the exchange
 * (`orbiplex hook run`, the chain benchmark, `OrbiplexNode.layer`).
 */
import type { HttpClient } from "@effect/platform"
import { Layer } from "effect"
import * as ChainRunner from "../middleware/ChainRunner.js"
import * as HookRegistry from "../middleware/HookRegistry.js"
import type { IntentHost } from "../middleware/IntentHost.js"
import * as TraceStore from "../middleware/TraceStore.js"
import type { ModuleClient } from "../supervisor/ModuleClient.js"
import type { Supervisor } from "../supervisor/Supervisor.js"
import { type Capabilities, type CapabilitySlot, layerPort } from "../capability/Capability.js"
import { type CapabilitiesConfig, defaultCapabilities } from "../capability/HostCapabilities.js"
import * as NodeCapabilities from "./NodeCapabilities.js"

/** What the chain feature takes: the `hooks` section and the modules' attachments, the trace bound. */
export interface ChainSettings extends HookRegistry.RegistrySource {
  /** Traces kept (default 1000). */
  readonly traceCapacity?: number
}

/** The core's services: the port is bound by whoever builds the capability registry. */
export type CoreServices =
  | ChainRunner.ChainRunner
  | HookRegistry.HookRegistry
  | TraceStore.TraceStore
  | IntentHost
  | CapabilitySlot

/** Hooks, traces, the unbound `IntentHost` port and the runner over them. Fails with every problem of the hooks section. */
export const layerCore = (
  settings: ChainSettings
): Layer.Layer<CoreServices, HookRegistry.HooksInvalid, ModuleClient | Supervisor> =>
  ChainRunner.layer.pipe(
    Layer.provideMerge(
      Layer.mergeAll(
        HookRegistry.layer(settings),
        TraceStore.layerWithCapacity(settings.traceCapacity ?? TraceStore.DefaultCapacity),
        layerPort
      )
    )
  )

/** What the stack needs from the node config. */
export interface StackSettings extends HookRegistry.RegistrySource {
  readonly node: { readonly data_dir: string }
}

/** Every service of the stack, for embedders and tests. */
export type ChainServices = Exclude<CoreServices, CapabilitySlot> | Capabilities

/**
 * The core bound to the provider-side capabilities (`inquirium.request` with the provider the
 * `capabilities` section names, `workspace.stage` under `node.data_dir`).
 */
export const layer = (
  config: StackSettings,
  options: { readonly capabilities?: CapabilitiesConfig; readonly traceCapacity?: number } = {}
): Layer.Layer<ChainServices, HookRegistry.HooksInvalid, ModuleClient | Supervisor | HttpClient.HttpClient> =>
  NodeCapabilities.layerProviderSide({ dataDir: config.node.data_dir, capabilities: options.capabilities ?? defaultCapabilities }).pipe(
    Layer.provideMerge(
      layerCore({
        hooks: config.hooks,
        modules: config.modules,
        ...(options.traceCapacity === undefined ? {} : { traceCapacity: options.traceCapacity })
      })
    )
  )
