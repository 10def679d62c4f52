/**
 * The node's capability registry: THE list of capabilities behind intents, in registration order.
 * A new capability is one file in src/capability/ (exporting its `capability` effect) and one line in
 * `layer` below; the chain runner, the validator and the workflow runner do not change.
 */
import type { HttpClient } from "@effect/platform"
import { NodeFileSystem, NodePath } from "@effect/platform-node"
import { Layer } from "effect"
import { type Capabilities, type CapabilitySlot, layerRegistry } from "../capability/Capability.js"
import * as CatalogPublishOffer from "../capability/CatalogPublishOffer.js"
import type { CapabilitiesConfig } from "../capability/HostCapabilities.js"
import * as Inquirium from "../capability/Inquirium.js"
import * as LedgerAccountGet from "../capability/LedgerAccountGet.js"
import * as ProcurementOrder from "../capability/ProcurementOrder.js"
import * as ProcurementReceiptGet from "../capability/ProcurementReceiptGet.js"
import * as WorkflowSchedule from "../capability/WorkflowSchedule.js"
import * as WorkflowTransition from "../capability/WorkflowTransition.js"
import * as WorkspaceStage from "../capability/WorkspaceStage.js"
import type { OfferCatalog } from "../exchange/OfferCatalog.js"
import type { OfferPublisher } from "../exchange/OfferPublisher.js"
import type { Procurement } from "../exchange/Procurement.js"
import type { ParticipantKeys } from "../exchange/ParticipantKeys.js"
import type { SettlementRecords } from "../exchange/settlement/SettlementRecords.js"

/** What the capabilities take: the data folder, the `capabilities` section, the transition policy. */
export interface CapabilitySettings {
  readonly dataDir: string
  readonly capabilities: CapabilitiesConfig
  /** The `workflow.approve_transitions` policy (default false). */
  readonly approveTransitions?: boolean
  /** Replaces the inquirium provider the `capabilities` section names (tests use a scripted one). */
  readonly inquirium?: Layer.Layer<Inquirium.InquiriumProvider, never, HttpClient.HttpClient>
}

/** The settings the capabilities read as services. */
const layerSettings = (settings: CapabilitySettings) =>
  Layer.mergeAll(
    settings.inquirium ?? Inquirium.layerProvider(settings.capabilities.inquirium),
    Layer.succeed(WorkspaceStage.WorkspaceStageSettings, { dataDir: settings.dataDir, maxBytes: settings.capabilities.workspace.max_bytes }),
    Layer.succeed(WorkflowTransition.TransitionPolicy, { approve_transitions: settings.approveTransitions ?? false }),
    NodeFileSystem.layer,
    NodePath.layer
  )

/** The provider side: what a provider's own chains may use, and all a node without the exchange has. */
const providerSide = [Inquirium.capability, WorkspaceStage.capability] as const

/** Every capability of the node, bound to the chain core's `IntentHost` port. */
export const layer = (
  settings: CapabilitySettings
): Layer.Layer<Capabilities, never, CapabilitySlot | OfferPublisher | Procurement | OfferCatalog | ParticipantKeys | SettlementRecords | HttpClient.HttpClient> =>
  layerRegistry(
    ...providerSide,
    CatalogPublishOffer.capability,
    ProcurementOrder.capability,
    LedgerAccountGet.capability,
    ProcurementReceiptGet.capability,
    WorkflowSchedule.capability,
    WorkflowTransition.capability
  ).pipe(Layer.provide(layerSettings(settings)))

/** The provider-side capabilities alone, bound to the port (a node without the exchange). */
export const layerProviderSide = (
  settings: CapabilitySettings
): Layer.Layer<Capabilities, never, CapabilitySlot | HttpClient.HttpClient> =>
  layerRegistry(...providerSide).pipe(Layer.provide(layerSettings(settings)))
