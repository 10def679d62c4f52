/**
 * The exchange and workflow features (issue 4) over the node's chain core and its store (runs and
 * offers are kept by the store's repositories): the node identity, the offer catalog and publisher, exchange chains aimed at one provider on the one chain runner,
 * procurement over the settlement seam, and the workflow runner. It builds no chain runner, intent
 * host or capability registry of its own: `NodeRoot` binds the registry over these services and
 * then runs the publisher's startup (`OfferPublisher.layerStartup`).
 */
import type { SqlClient } from "@effect/sql/SqlClient"
import { Layer } from "effect"
import type { ChainRunner } from "../middleware/ChainRunner.js"
import type { HookRegistry } from "../middleware/HookRegistry.js"
import type { IntentHost } from "../middleware/IntentHost.js"
import type { TraceStore } from "../middleware/TraceStore.js"
import type { OfferRepo } from "../store/OfferRepo.js"
import type { WorkflowRunRepo } from "../store/WorkflowRunRepo.js"
import type { ModuleClient } from "../supervisor/ModuleClient.js"
import type { Supervisor } from "../supervisor/Supervisor.js"
import type { CatalogConfig, ProcurementConfig, WorkflowConfig } from "../exchange/ExchangeConfig.js"
import * as ExecutorChains from "../exchange/ExecutorChains.js"
import * as NodeIdentity from "../exchange/NodeIdentity.js"
import * as OfferCatalog from "../exchange/OfferCatalog.js"
import * as OfferPublisher from "../exchange/OfferPublisher.js"
import * as OrderAcceptance from "../exchange/OrderAcceptance.js"
import * as ParticipantKeys from "../exchange/ParticipantKeys.js"
import * as Procurement from "../exchange/Procurement.js"
import * as Settlement from "../exchange/Settlement.js"
import * as HostLedger from "../exchange/settlement/HostLedger.js"
import type { SettlementRecords } from "../exchange/settlement/SettlementRecords.js"
import * as WorkflowRunner from "../workflow/WorkflowRunner.js"
import type { PeerConfig, PeersConfig } from "../config/PeerConfig.js"
import type { PeerKeyUnavailable } from "../exchange/peer/PeerKey.js"
import type { PeerListenFailed } from "../exchange/peer/PeerServer.js"
import * as Peering from "./Peering.js"

/** What these features take: the data folder and the `catalog`, `procurement`, `workflow`, `peer` and `peers` sections. */
export interface ExchangeFeatureSettings {
  readonly dataDir: string
  readonly catalog: CatalogConfig
  readonly procurement: ProcurementConfig
  readonly workflow: WorkflowConfig
  readonly peer: PeerConfig
  readonly peers: PeersConfig
  /** The ledger's federation (`federation:<node.id>`, as `orbiplex ledger` names it). */
  readonly federationId?: string
}

/** Everything the exchange layer provides. */
export type ExchangeServices =
  | NodeIdentity.NodeIdentity
  | ParticipantKeys.ParticipantKeys
  | OrderAcceptance.OrderAcceptance
  | ExecutorChains.ExecutorChains
  | OfferCatalog.OfferCatalog
  | OfferPublisher.OfferPublisher
  | Settlement.Settlement
  | SettlementRecords
  | Procurement.Procurement
  | WorkflowRunner.WorkflowRunner
  | Peering.TransportServices

/** What it needs: supervision, the chain core and the store's run and offer repositories. */
export type ExchangeRequirements =
  | Supervisor
  | ModuleClient
  | ChainRunner
  | HookRegistry
  | IntentHost
  | TraceStore
  | WorkflowRunRepo
  | OfferRepo
  | SqlClient

/** Why the exchange side may not start. */
export type ExchangeStartError =
  | NodeIdentity.IdentityUnavailable
  | HostLedger.HostLedgerStartError
  | PeerKeyUnavailable
  | PeerListenFailed

/** The exchange and workflow services for `settings`. */
export const layer = (
  settings: ExchangeFeatureSettings
): Layer.Layer<ExchangeServices, ExchangeStartError, ExchangeRequirements> => {
  const foundation = Layer.mergeAll(
    NodeIdentity.layer(settings.dataDir),
    ParticipantKeys.layer(settings.dataDir),
    OrderAcceptance.layer,
    ExecutorChains.layer()
  )
  const market = Layer.mergeAll(
    OfferCatalog.layer(settings.catalog),
    HostLedger.layer({
      dataDir: settings.dataDir,
      rail: settings.procurement.settlement.rail,
      trustedGateways: settings.procurement.settlement.trusted_gateways ?? [],
      ...(settings.federationId === undefined ? {} : { federationId: settings.federationId })
    })
  ).pipe(Layer.provideMerge(foundation))
  const peering: Peering.PeeringSettings = { dataDir: settings.dataDir, peer: settings.peer, peers: settings.peers, providers: settings.procurement.providers, acceptance: settings.procurement.acceptance }
  const traded = Peering.layerTransport(peering).pipe(Layer.provideMerge(market))
  // Procurement finds remote ordering as an optional service: absent when this node cannot be reached for results.
  const procurement = Procurement.layerWith({ acceptance: settings.procurement.acceptance }).pipe(Layer.provide(Peering.layerRemoteOrders(peering)))
  return Layer.mergeAll(procurement, OfferPublisher.layer, WorkflowRunner.layer(settings.workflow), Peering.layerServing(peering)).pipe(
    Layer.provideMerge(traded)
  )
}
