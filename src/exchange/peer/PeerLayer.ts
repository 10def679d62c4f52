/**
 * The whole peer transport of a node, from its config: the node key from the data folder, the
 * client, the remote catalog pulled from every peer at start and every `peer.catalog_refresh`, and
 * the peer server when `peer.listen` is set. The three seams (LocalOffers, SellerDesk, ResultInbox)
 * are left to whoever wires procurement.
 */
import { Layer } from "effect"
import type { PeerConfig, PeersConfig } from "../../config/PeerConfig.js"
import * as CatalogSync from "./CatalogSync.js"
import type { LocalOffers } from "./LocalOffers.js"
import * as PeerClient from "./PeerClient.js"
import * as PeerKey from "./PeerKey.js"
import * as PeerServer from "./PeerServer.js"
import * as RemoteCatalog from "./RemoteCatalog.js"
import type { ResultInbox } from "./ResultInbox.js"
import type { SellerDesk } from "./SellerDesk.js"

/** What the peer transport reads from the node config. */
export interface PeerSections {
  readonly data_dir: string
  readonly peer: PeerConfig
  readonly peers: PeersConfig
}

/** The transport over a given key (tests, embedders with their own key). */
export const layerWithKey = (
  sections: Omit<PeerSections, "data_dir">,
  options: RemoteCatalog.RemoteCatalogOptions = {}
): Layer.Layer<
  PeerClient.PeerClient | RemoteCatalog.RemoteCatalog | CatalogSync.CatalogSync,
  PeerServer.PeerListenFailed,
  PeerKey.PeerKey | LocalOffers | SellerDesk | ResultInbox
> => {
  const services = Layer.mergeAll(PeerClient.layer(sections.peer, sections.peers), RemoteCatalog.layer(sections.peers, options))
  const sync = CatalogSync.layer.pipe(Layer.provideMerge(services))
  const pulled = sections.peers.length === 0 ? sync : CatalogSync.layerStartup(sections.peer.catalog_refresh).pipe(Layer.provideMerge(sync))
  const listen = sections.peer.listen
  return listen === undefined
    ? pulled
    : Layer.merge(pulled, Layer.discard(PeerServer.layer({ listen, peers: sections.peers, skewMs: sections.peer.clock_skew })))
}

/** The transport with the node key of `data_dir`. */
export const layerConfig = (
  sections: PeerSections,
  options: RemoteCatalog.RemoteCatalogOptions = {}
): Layer.Layer<
  PeerClient.PeerClient | RemoteCatalog.RemoteCatalog | CatalogSync.CatalogSync | PeerKey.PeerKey,
  PeerServer.PeerListenFailed | PeerKey.PeerKeyUnavailable,
  LocalOffers | SellerDesk | ResultInbox
> => layerWithKey(sections, options).pipe(Layer.provideMerge(PeerKey.layerDataDir(sections.data_dir)))
