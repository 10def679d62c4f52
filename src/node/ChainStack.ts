/**
 * The middleware chain stack of a node config: its hook registry, the trace store, the host
 * capabilities behind intents and the chain runner, over the supervisor and the invocation client.
 * `OrbiplexNode` composes it; `orbiplex hook run` and the chain benchmark use it directly.
 */
import type { HttpClient } from "@effect/platform"
import { Layer } from "effect"
import * as ChainRunner from "../middleware/ChainRunner.js"
import * as HookRegistry from "../middleware/HookRegistry.js"
import type { IntentHost } from "../middleware/IntentHost.js"
import * as TraceStore from "../middleware/TraceStore.js"
import type { ModuleClient } from "../supervisor/ModuleClient.js"
import type { Supervisor } from "../supervisor/Supervisor.js"
import type { Capabilities } from "../capability/Capability.js"
import { type CapabilitiesConfig, defaultCapabilities, type HostSettings, layer as capabilitiesLayer } from "../capability/HostCapabilities.js"

/** What the stack needs from the node config. */
export interface StackSettings extends HookRegistry.RegistrySource, HostSettings {}

/** Every service of the stack, for embedders and tests. */
export type ChainServices =
  | ChainRunner.ChainRunner
  | HookRegistry.HookRegistry
  | TraceStore.TraceStore
  | Capabilities
  | IntentHost

/**
 * Hooks (`config.hooks`, raw or decoded), traces (`traceCapacity`, default 1000), capabilities
 * (`capabilities`, default deterministic inquirium) and the runner. Fails with every problem of the
 * hooks section and of the modules' attachments.
 */
export const layer = (
  config: StackSettings,
  options: { readonly capabilities?: CapabilitiesConfig; readonly traceCapacity?: number } = {}
): Layer.Layer<ChainServices, HookRegistry.HooksInvalid, ModuleClient | Supervisor | HttpClient.HttpClient> =>
  ChainRunner.layer.pipe(
    Layer.provideMerge(
      Layer.mergeAll(
        HookRegistry.layer(config),
        TraceStore.layerWithCapacity(options.traceCapacity ?? TraceStore.DefaultCapacity),
        capabilitiesLayer(config, options.capabilities ?? defaultCapabilities)
      )
    )
  )
