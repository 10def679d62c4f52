/**
 * Trade with other nodes, as the node root wires it (SETTLEMENT.md §3, §5, transport): the node
 * key and the signed transport (client, remote catalog, catalog pulls, the buyer's inbox), remote
 * ordering for procurement when the node can be reached for results, and, when `peer.listen` is
 * set, the peer server with the seller's desk and this node's signed offers behind it.
 */
import { Layer } from "effect"
import { type PeerConfig, type PeersConfig, publicUrlOf } from "../config/PeerConfig.js"
import * as CatalogPeerOffers from "../exchange/CatalogPeerOffers.js"
import type { ExecutorChains } from "../exchange/ExecutorChains.js"
import type { Acceptance, ProviderRoute } from "../exchange/ExchangeConfig.js"
import type { OfferCatalog } from "../exchange/OfferCatalog.js"
import type { OrderAcceptance } from "../exchange/OrderAcceptance.js"
import type { ParticipantKeys } from "../exchange/ParticipantKeys.js"
import * as BuyerInbox from "../exchange/peer/BuyerInbox.js"
import * as CatalogSync from "../exchange/peer/CatalogSync.js"
import * as PeerClient from "../exchange/peer/PeerClient.js"
import * as PeerKey from "../exchange/peer/PeerKey.js"
import * as PeerServer from "../exchange/peer/PeerServer.js"
import type { ResultInbox } from "../exchange/peer/ResultInbox.js"
import * as RemoteCatalog from "../exchange/peer/RemoteCatalog.js"
import * as RemoteOrders from "../exchange/RemoteOrders.js"
import * as SellerOrders from "../exchange/SellerOrders.js"
import type { Settlement } from "../exchange/Settlement.js"

/** What trading takes from the config. */
export interface PeeringSettings {
  readonly dataDir: string
  readonly peer: PeerConfig
  readonly peers: PeersConfig
  /** `procurement.providers`: template aliases served by peers. */
  readonly providers: Readonly<Record<string, ProviderRoute>>
  /** `procurement.acceptance`: whether dispatched orders of manual offers await this node's operator. */
  readonly acceptance: Acceptance
}

/** The transport's services. */
export type TransportServices =
  | PeerKey.PeerKey
  | PeerClient.PeerClient
  | RemoteCatalog.RemoteCatalog
  | CatalogSync.CatalogSync
  | BuyerInbox.BuyerInbox
  | ResultInbox

/** The node key and the signed transport (nothing listens yet). */
export const layerTransport = (settings: PeeringSettings): Layer.Layer<TransportServices, PeerKey.PeerKeyUnavailable> => {
  const whitelist = new Set(settings.peers.filter((peer) => peer.trusted).map((peer) => peer.node_id))
  const services = Layer.mergeAll(
    PeerClient.layer(settings.peer, settings.peers),
    RemoteCatalog.layer(settings.peers, { whitelist })
  )
  return Layer.mergeAll(CatalogSync.layer.pipe(Layer.provideMerge(services)), BuyerInbox.layer).pipe(
    Layer.provideMerge(PeerKey.layerDataDir(settings.dataDir))
  )
}

/**
 * Remote ordering for procurement (which looks for it as an optional service), or nothing when
 * peers could not deliver results to this node because it does not listen.
 */
export const layerRemoteOrders = (
  settings: PeeringSettings
): Layer.Layer<RemoteOrders.RemoteOrders, never, TransportServices | ParticipantKeys | Settlement> | Layer.Layer<never> => {
  const publicUrl = publicUrlOf(settings.peer)
  return publicUrl === undefined ? Layer.empty : RemoteOrders.layer({ providers: settings.providers, publicUrl })
}

/** The peer server (when `peer.listen` is set) and the catalog pulls (when there are peers). */
export const layerServing = (
  settings: PeeringSettings
): Layer.Layer<never, PeerServer.PeerListenFailed, TransportServices | OfferCatalog | ExecutorChains | OrderAcceptance | ParticipantKeys> => {
  const listen = settings.peer.listen
  const server = listen === undefined ? Layer.empty : Layer.discard(
    PeerServer.layer({ listen, peers: settings.peers, skewMs: settings.peer.clock_skew }).pipe(
      Layer.provide(Layer.mergeAll(SellerOrders.layer({ acceptance: settings.acceptance }), CatalogPeerOffers.layer))
    )
  )
  const pulls = settings.peers.length === 0 ? Layer.empty : CatalogSync.layerStartup(settings.peer.catalog_refresh)
  return Layer.merge(server, pulls)
}
