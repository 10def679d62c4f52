/**
 * The host side of the exchange as one layer (issue 4), on top of the node's chain stack (its hook
 * registry and trace store): the node identity, the workflow store, every host capability
 * (`inquirium.request`, `workspace.stage`, `catalog.publish-offer`, `procurement.order`,
 * `workflow.schedule`, `workflow.transition`) as the registry and `IntentHost`, the chain runner
 * over them, the offer catalog and its publisher (offers are published while the layer is built,
 * so after the supervisor has the modules ready), procurement over the settlement seam, and the
 * workflow runner. Its `Capabilities`, `IntentHost` and `ChainRunner` replace a narrower stack's
 * when merged over it (`Layer.provideMerge`).
 */
import type { HttpClient } from "@effect/platform"
import { NodeFileSystem, NodePath } from "@effect/platform-node"
import { Layer } from "effect"
import type { NodeConfig } from "../config/NodeConfig.js"
import * as ChainRunner from "../middleware/ChainRunner.js"
import type { HookRegistry } from "../middleware/HookRegistry.js"
import type { IntentHost } from "../middleware/IntentHost.js"
import type { TraceStore } from "../middleware/TraceStore.js"
import type { ModuleClient } from "../supervisor/ModuleClient.js"
import type { Supervisor } from "../supervisor/Supervisor.js"
import { type Capabilities, layerFrom } from "../capability/Capability.js"
import { defaultExchange, type ExchangeSettings } from "../exchange/ExchangeConfig.js"
import * as ExecutorChains from "../exchange/ExecutorChains.js"
import type { CapabilitiesConfig } from "../capability/HostCapabilities.js"
import * as Inquirium from "../capability/Inquirium.js"
import * as NodeIdentity from "../exchange/NodeIdentity.js"
import * as OfferCatalog from "../exchange/OfferCatalog.js"
import * as OfferPublisher from "../exchange/OfferPublisher.js"
import * as Procurement from "../exchange/Procurement.js"
import * as Settlement from "../exchange/Settlement.js"
import * as WorkflowCapabilities from "../workflow/WorkflowCapabilities.js"
import * as WorkflowRunner from "../workflow/WorkflowRunner.js"
import * as WorkflowStore from "../workflow/WorkflowStore.js"
import * as WorkspaceStage from "../capability/WorkspaceStage.js"

/** Choices beyond the config. */
export interface ExchangeOptions {
  /** The `capabilities` section (inquirium provider, staged file size); default: the config's. */
  readonly capabilities?: CapabilitiesConfig
  /** Replaces the inquirium provider the `capabilities` section names (tests use a scripted one). */
  readonly inquirium?: Layer.Layer<Inquirium.InquiriumProvider, never, HttpClient.HttpClient>
}

/** Everything the exchange layer provides. */
export type ExchangeServices =
  | ChainRunner.ChainRunner
  | Capabilities
  | IntentHost
  | NodeIdentity.NodeIdentity
  | WorkflowStore.WorkflowStore
  | ExecutorChains.ExecutorChains
  | OfferCatalog.OfferCatalog
  | OfferPublisher.OfferPublisher
  | Settlement.Settlement
  | Procurement.Procurement
  | WorkflowRunner.WorkflowRunner

/** What it needs: the supervisor, the invocation client, the hook registry, the trace store, HTTP. */
export type ExchangeRequirements = Supervisor | ModuleClient | HookRegistry | TraceStore | HttpClient.HttpClient

/** The exchange host side for `config` and its `catalog`/`procurement`/`workflow` sections. */
export const layer = (
  config: NodeConfig,
  settings: ExchangeSettings = defaultExchange,
  options: ExchangeOptions = {}
): Layer.Layer<ExchangeServices, NodeIdentity.IdentityUnavailable, ExchangeRequirements> => {
  const dataDir = config.node.data_dir
  const capabilities = options.capabilities ?? config.capabilities
  const provider = options.inquirium ?? Inquirium.layerProvider(capabilities.inquirium)
  const foundation = Layer.mergeAll(
    NodeIdentity.layer(dataDir),
    WorkflowStore.layer(dataDir),
    // Fresh: the node's own chain stack builds the same layer value with its provider.
    Layer.fresh(Inquirium.layer).pipe(Layer.provide(provider)),
    WorkspaceStage.layer({ dataDir, maxBytes: capabilities.workspace.max_bytes }).pipe(
      Layer.provide(Layer.merge(NodeFileSystem.layer, NodePath.layer))
    )
  )
  const market = Layer.mergeAll(
    ExecutorChains.layer,
    OfferCatalog.layer(settings.catalog),
    Settlement.layerFor(settings.procurement.settlement.rail)
  ).pipe(Layer.provideMerge(foundation))
  const services = Layer.mergeAll(Procurement.layer, OfferPublisher.layer(settings.catalog)).pipe(Layer.provideMerge(market))
  const capabilityServices = Layer.mergeAll(
    Procurement.capabilityLayer,
    OfferPublisher.capabilityLayer,
    WorkflowCapabilities.scheduleLayer,
    WorkflowCapabilities.transitionLayer(settings.workflow)
  ).pipe(Layer.provideMerge(services))
  const registry = layerFrom(
    Inquirium.InquiriumRequest,
    WorkspaceStage.WorkspaceStage,
    OfferPublisher.CatalogPublishOffer,
    Procurement.ProcurementOrder,
    WorkflowCapabilities.WorkflowSchedule,
    WorkflowCapabilities.WorkflowTransition
  ).pipe(Layer.provideMerge(capabilityServices))
  return Layer.mergeAll(ChainRunner.layer, WorkflowRunner.layer(settings.workflow)).pipe(Layer.provideMerge(registry))
}
