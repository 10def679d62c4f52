/**
 * The buyer's pull of its peers' offer catalogs (SETTLEMENT.md §5: at start and periodically): each
 * configured peer is asked for its catalog and every relayed offer goes through RemoteCatalog's
 * admission. A peer that does not answer is logged and tried again next round.
 */
import { Context, Duration, Effect, Either, Layer, Schedule } from "effect"
import { PeerClient } from "./PeerClient.js"
import { type AdmitOutcome, RemoteCatalog } from "./RemoteCatalog.js"

/** What one pull from one peer gave. */
export interface PeerSync {
  readonly node_id: string
  /** The failure's message when the catalog could not be fetched. */
  readonly error: string | undefined
  readonly outcomes: ReadonlyArray<AdmitOutcome>
}

/** The pull. */
export class CatalogSync extends Context.Tag("orbiplex/CatalogSync")<CatalogSync, {
  /** Pulls one peer's catalog into RemoteCatalog. */
  readonly syncPeer: (nodeId: string) => Effect.Effect<PeerSync>
  /** Pulls every configured peer's catalog, two at a time. */
  readonly syncAll: Effect.Effect<ReadonlyArray<PeerSync>>
}>() {}

/** The pull policy: again every `everyMs`, a little jittered so nodes started together spread out. */
export const refreshSchedule = (everyMs: number): Schedule.Schedule<number> =>
  Schedule.spaced(Duration.millis(everyMs)).pipe(Schedule.jittered)

/** Builds the pull over the client and the catalog. */
export const make = Effect.gen(function*() {
  const client = yield* PeerClient
  const catalog = yield* RemoteCatalog

  const syncPeer = Effect.fn("CatalogSync.syncPeer")(function*(nodeId: string) {
    const fetched = yield* Effect.either(client.fetchCatalog(nodeId))
    if (Either.isLeft(fetched)) {
      yield* Effect.logWarning(`catalog of ${nodeId} not pulled: ${fetched.left.message}`)
      return { node_id: nodeId, error: fetched.left.message, outcomes: [] } satisfies PeerSync
    }
    const outcomes = yield* Effect.forEach(fetched.right.offers, (relay) => catalog.admit(relay, nodeId))
    for (const outcome of outcomes) {
      if (outcome._tag === "dropped") yield* Effect.logWarning(`offer ${outcome.offer_id} from ${nodeId} dropped: ${outcome.reason}`)
    }
    const admitted = outcomes.filter((outcome) => outcome._tag === "admitted").length
    yield* Effect.logDebug(`catalog of ${nodeId}: ${admitted} of ${outcomes.length} offers admitted`)
    return { node_id: nodeId, error: undefined, outcomes } satisfies PeerSync
  })

  return CatalogSync.of({
    syncPeer,
    syncAll: Effect.forEach(client.peers, (peer) => syncPeer(peer.node_id), { concurrency: 2 })
  })
})

/** The pull as a layer. */
export const layer: Layer.Layer<CatalogSync, never, PeerClient | RemoteCatalog> = Layer.effect(CatalogSync, make)

/** Pulls every catalog while the layer is built's scope lives: once at once, then on `refreshSchedule`. */
export const layerStartup = (everyMs: number): Layer.Layer<never, never, CatalogSync> =>
  Layer.scopedDiscard(
    Effect.flatMap(CatalogSync, (sync) => Effect.forkScoped(Effect.repeat(sync.syncAll, refreshSchedule(everyMs))))
  )
