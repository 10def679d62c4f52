import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Either, Layer, Ref, Schema, TestClock } from "effect"
import { defaultPeer, PeerConfig, PeersConfig } from "../../../src/config/PeerConfig.js"
import { NodeConfig } from "../../../src/config/NodeConfig.js"
import { make as makeIdentity } from "../../../src/exchange/NodeIdentity.js"
import * as CatalogSync from "../../../src/exchange/peer/CatalogSync.js"
import * as LocalOffers from "../../../src/exchange/peer/LocalOffers.js"
import { PeerKey } from "../../../src/exchange/peer/PeerKey.js"
import * as PeerServer from "../../../src/exchange/peer/PeerServer.js"
import * as SellerDesk from "../../../src/exchange/peer/SellerDesk.js"
import * as Peering from "../../../src/node/Peering.js"
import { quiet } from "../../support/Node.js"
import { tempDir } from "../../support/TempFiles.js"
import { freePort, newKey } from "./PeerHarness.js"

const decodePeer = Schema.decodeUnknownEither(PeerConfig)
const decodePeers = Schema.decodeUnknownEither(PeersConfig)

describe("the peer and peers config sections", () => {
  it("defaults to no server, 60 s skew, a 5 min catalog refresh and 10 s per request", () => {
    expect(defaultPeer).toEqual({ clock_skew: 60_000, catalog_refresh: 300_000, request_timeout: 10_000 })
    const config = Schema.decodeUnknownSync(NodeConfig)({})
    expect(config.peer).toEqual(defaultPeer)
    expect(config.peers).toEqual([])
  })

  it("takes any listen address (peers are remote) and durations as the config writes them", () => {
    expect(decodePeer({ listen: "0.0.0.0:7443", public_url: "http://10.0.0.5:7443", clock_skew: "2min", catalog_refresh: "30s" })).toEqual(
      Either.right({ listen: { host: "0.0.0.0", port: 7443 }, public_url: "http://10.0.0.5:7443", clock_skew: 120_000, catalog_refresh: 30_000, request_timeout: 10_000 })
    )
    expect(Either.isRight(decodePeer({ listen: "[::]:7443", public_url: "http://[fd00::5]:7443" }))).toBe(true)
    expect(Either.isRight(decodePeer({ listen: "127.0.0.2:7443" }))).toBe(true)
    expect(Either.isLeft(decodePeer({ listen: "7443" }))).toBe(true)
    expect(Either.isLeft(decodePeer({ clock_skew: "10ms" }))).toBe(true)
  })

  it("asks for public_url when it listens on every interface (peers must know where to deliver results)", () => {
    const refused = decodePeer({ listen: "0.0.0.0:7443" })
    expect(Either.isLeft(refused) && String(refused.left)).toContain("public_url")
  })

  it("checks each peer's node id and URL and refuses a node listed twice", () => {
    const id = newKey().nodeId
    expect(decodePeers([{ node_id: id, url: "http://10.0.0.7:7443" }])).toEqual(Either.right([{ node_id: id, url: "http://10.0.0.7:7443", trusted: false }]))
    expect(Either.isLeft(decodePeers([{ node_id: "did:key:z6Mk", url: "http://a:1" }]))).toBe(true)
    expect(Either.isLeft(decodePeers([{ node_id: id, url: "ftp://a" }]))).toBe(true)
    const twice = decodePeers([{ node_id: id, url: "http://a:1" }, { node_id: id, url: "http://b:1" }])
    expect(Either.isLeft(twice) && String(twice.left)).toMatch(/listed twice/)
  })
})

describe("the catalog pull schedule", () => {
  it.scoped("pulls at start and then about every catalog_refresh (jittered within 0.8-1.2 of it)", () =>
    Effect.gen(function*() {
      const pulls = yield* Ref.make(0)
      const counting = Layer.succeed(CatalogSync.CatalogSync, CatalogSync.CatalogSync.of({
        syncPeer: () => Effect.succeed({ node_id: "", error: undefined, outcomes: [] }),
        syncAll: Effect.as(Ref.update(pulls, (n) => n + 1), [])
      }))
      yield* Layer.build(CatalogSync.layerStartup(60_000).pipe(Layer.provide(counting)))
      yield* TestClock.adjust(0)
      expect(yield* Ref.get(pulls)).toBe(1)
      yield* TestClock.adjust(47_000)
      expect(yield* Ref.get(pulls)).toBe(1)
      yield* TestClock.adjust(25_000)
      expect(yield* Ref.get(pulls)).toBe(2)
      yield* TestClock.adjust(10 * 72_000)
      expect(yield* Ref.get(pulls)).toBeGreaterThanOrEqual(12)
    }))
})

describe("the peer transport from config", () => {
  it.scopedLive("signs with the node key NodeIdentity keeps, and serves on peer.listen", () =>
    quiet(Effect.gen(function*() {
      const dir = yield* tempDir
      const identity = yield* makeIdentity(dir)
      const port = yield* freePort("127.0.0.2")
      const listen = { host: "127.0.0.2", port }
      // The node's own composition: the transport from data_dir, and the peer server over it.
      const transport = Peering.layerTransport({ dataDir: dir, peer: { ...defaultPeer, listen }, peers: [], providers: {}, acceptance: "offer-terms" })
      const seams = Layer.mergeAll(
        LocalOffers.layerStatic([]),
        Layer.effect(SellerDesk.SellerDesk, SellerDesk.makeReference({ execute: () => Effect.die("unused"), deliver: () => Effect.void }))
      )
      const server = Layer.discard(PeerServer.layer({ listen, peers: [], skewMs: defaultPeer.clock_skew })).pipe(Layer.provide(seams))
      const context = yield* Layer.build(server.pipe(Layer.provideMerge(transport)))
      expect(Context.get(context, PeerKey).nodeId).toBe(`node:${identity.did}`)
      const answer = yield* Effect.promise(() => fetch(`http://127.0.0.2:${port}/v1/peer/offer-catalog/fetch`, { method: "POST", body: "{}" }))
      expect(answer.status).toBe(401)
      expect(answer.headers.get("signature-input")).toContain(`keyid="node:${identity.did}"`)
    })))
})
