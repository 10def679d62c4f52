/**
 * Offers of other nodes, as this node (the buyer) admitted them (SETTLEMENT.md §5): each relay
 * envelope's inner offer validated and its signature verified (by the provider participant's
 * did:key, over the offer minus `signature`), expired and withdrawn offers dropped, trust set on
 * admission (whitelisted, else a known origin peer, else untrusted: kept an hour, never resolved),
 * upserted monotonically by (`offer/id`, `sequence/no`). Procurement resolves offers here.
 */
import { Clock, Context, Effect, Either, Layer, Option } from "effect"
import type { PeersConfig } from "../../config/PeerConfig.js"
import { OFFER_DOMAIN } from "../MarketArtifacts.js"
import { verify } from "../settlement/ArtifactSignature.js"
import { decoderEither, problemText } from "../settlement/artifacts/Common.js"
import { ServiceOffer, type ServiceOfferRelay } from "./PeerMessages.js"

// The signature domain of offers: the one their sellers sign with (SETTLEMENT.md decision 3, in the
// `orbiplex-<schema>-v1` form the gateway receipt fixes).
export { OFFER_DOMAIN } from "../MarketArtifacts.js"

/** How far an admitted offer is trusted. */
export type Trust = "whitelisted" | "known-peer" | "untrusted"

/** An admitted remote offer. */
export interface RemoteOffer {
  readonly offer_id: string
  readonly sequence: number
  readonly service_type: string
  readonly provider_node_id: string
  readonly provider_participant_id: string
  readonly amount: number
  readonly currency: string
  readonly expires_at_ms: number
  readonly trust: Trust
  /** The peer the offer was fetched from. */
  readonly via_node_id: string
  readonly admitted_at_ms: number
  /** The signed `service-offer.v1` exactly as received. */
  readonly document: Readonly<Record<string, unknown>>
}

/** What became of one relayed offer. */
export type AdmitOutcome =
  | { readonly _tag: "admitted"; readonly offer: RemoteOffer }
  | { readonly _tag: "withdrawn"; readonly offer_id: string; readonly sequence: number }
  | { readonly _tag: "stale"; readonly offer_id: string; readonly sequence: number; readonly held: number }
  | { readonly _tag: "dropped"; readonly offer_id: string; readonly reason: string }

/** Offers of other nodes. */
export class RemoteCatalog extends Context.Tag("orbiplex/RemoteCatalog")<RemoteCatalog, {
  /** Admits one relayed offer fetched from peer `via`. */
  readonly admit: (relay: ServiceOfferRelay, via: string) => Effect.Effect<AdmitOutcome>
  /** A trusted offer by id (expired ones included, so procurement can say `offer-expired`); untrusted reads as none. */
  readonly resolve: (offerId: string) => Effect.Effect<Option.Option<RemoteOffer>>
  /** Every held offer, untrusted ones included (operator views). */
  readonly all: Effect.Effect<ReadonlyArray<RemoteOffer>>
}>() {}

/** Who is trusted beyond the `peers` list. */
export interface RemoteCatalogOptions {
  /** Provider participant ids on the operator's whitelist (`trusted-provider.v1`). */
  readonly whitelist?: ReadonlySet<string>
  /** How long an untrusted offer is kept; an hour by default. */
  readonly untrustedTtlMs?: number
}

const decodeOffer = decoderEither(ServiceOffer)

/** An empty catalog for a node whose peers are `peers`. */
export const make = (peers: PeersConfig, options: RemoteCatalogOptions = {}) =>
  Effect.sync(() => {
    const untrustedTtl = options.untrustedTtlMs ?? 3_600_000
    // An entry without an offer is a withdrawal: it keeps the sequence so an older offer cannot return.
    const entries = new Map<string, { readonly sequence: number; readonly offer: RemoteOffer | undefined }>()
    const peerOf = (nodeId: string) => peers.find((peer) => peer.node_id === nodeId)

    const trustOf = (offer: ServiceOffer, origin: string): Trust =>
      options.whitelist?.has(offer["provider/participant-id"]) === true || peerOf(offer["provider/node-id"])?.trusted === true
        ? "whitelisted"
        : peerOf(origin) !== undefined
        ? "known-peer"
        : "untrusted"

    const prune = (now: number) => {
      for (const [id, entry] of entries) {
        if (entry.offer?.trust === "untrusted" && now - entry.offer.admitted_at_ms >= untrustedTtl) entries.delete(id)
      }
    }

    const admit = (relay: ServiceOfferRelay, via: string) =>
      Effect.map(Clock.currentTimeMillis, (now): AdmitOutcome => {
        prune(now)
        const raw = relay.offer
        const rawId = typeof raw["offer/id"] === "string" ? raw["offer/id"] : "(no offer/id)"
        const drop = (reason: string): AdmitOutcome => ({ _tag: "dropped", offer_id: rawId, reason })
        const origin = relay["relay/origin-node-id"]
        if (relay["relay/hops"] > 1) return drop(`relayed over ${relay["relay/hops"]} hops: that needs a relay signature, which this node does not verify`)
        if (relay["relay/hops"] === 0 && origin !== via) return drop(`a 0-hop relay from ${via} names another origin, ${origin}`)
        const decoded = decodeOffer(raw)
        if (Either.isLeft(decoded)) return drop(`not a service-offer.v1: ${problemText(decoded.left)}`)
        const offer = decoded.right
        if (relay["relay/hops"] === 0 && offer["provider/node-id"] !== origin) {
          return drop(`node ${origin} relays it as its own, but it names provider node ${offer["provider/node-id"]}`)
        }
        const badSignature = verify(OFFER_DOMAIN, raw, offer["provider/participant-id"], offer.signature)
        if (badSignature !== undefined) return drop(`its signature is refused: ${badSignature}`)
        const id = offer["offer/id"]
        const sequence = offer["sequence/no"]
        const held = entries.get(id)
        if (held !== undefined && held.sequence >= sequence) return { _tag: "stale", offer_id: id, sequence, held: held.sequence }
        if (offer["offer/status"] === "withdrawn") {
          entries.set(id, { sequence, offer: undefined })
          return { _tag: "withdrawn", offer_id: id, sequence }
        }
        const expires = Date.parse(offer["expires-at"])
        if (expires <= now) return drop(`it expired at ${offer["expires-at"]}`)
        const admitted: RemoteOffer = {
          offer_id: id,
          sequence,
          service_type: offer["service/type"],
          provider_node_id: offer["provider/node-id"],
          provider_participant_id: offer["provider/participant-id"],
          amount: offer["pricing/amount"],
          currency: offer["pricing/currency"],
          expires_at_ms: expires,
          trust: trustOf(offer, origin),
          via_node_id: via,
          admitted_at_ms: now,
          document: raw
        }
        entries.set(id, { sequence, offer: admitted })
        return { _tag: "admitted", offer: admitted }
      })

    const held = (now: number) => {
      prune(now)
      return [...entries.values()].flatMap((entry) => entry.offer === undefined ? [] : [entry.offer])
    }

    return RemoteCatalog.of({
      admit,
      resolve: (offerId) =>
        Effect.map(Clock.currentTimeMillis, (now) => {
          prune(now)
          return Option.filter(Option.fromNullable(entries.get(offerId)?.offer), (offer) => offer.trust !== "untrusted")
        }),
      all: Effect.map(Clock.currentTimeMillis, held)
    })
  })

/** The catalog as a layer. */
export const layer = (peers: PeersConfig, options: RemoteCatalogOptions = {}): Layer.Layer<RemoteCatalog> =>
  Layer.effect(RemoteCatalog, make(peers, options))
