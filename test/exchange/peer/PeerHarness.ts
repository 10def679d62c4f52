/**
 * Two (or more) nodes that trade, each on its own loopback address with its own key, peer server,
 * client, remote catalog, reference seller desk and reference result inbox. Offers are signed here
 * the way a seller signs them (ArtifactSignature over the offer minus `signature`).
 */
import { Context, Effect, Layer, Ref } from "effect"
import * as Crypto from "node:crypto"
import * as Net from "node:net"
import type { PeerEntry, PeersConfig } from "../../../src/config/PeerConfig.js"
import * as CatalogSync from "../../../src/exchange/peer/CatalogSync.js"
import * as LocalOffers from "../../../src/exchange/peer/LocalOffers.js"
import { PeerClient } from "../../../src/exchange/peer/PeerClient.js"
import * as PeerClientModule from "../../../src/exchange/peer/PeerClient.js"
import { PeerKey, fromPrivateKey } from "../../../src/exchange/peer/PeerKey.js"
import type { DispatchRequest, ServiceOrderResult } from "../../../src/exchange/peer/PeerMessages.js"
import * as PeerServer from "../../../src/exchange/peer/PeerServer.js"
import { OFFER_DOMAIN, RemoteCatalog } from "../../../src/exchange/peer/RemoteCatalog.js"
import * as RemoteCatalogModule from "../../../src/exchange/peer/RemoteCatalog.js"
import * as ResultInbox from "../../../src/exchange/peer/ResultInbox.js"
import * as SellerDesk from "../../../src/exchange/peer/SellerDesk.js"
import { sign } from "../../../src/exchange/settlement/ArtifactSignature.js"
import { NotEncodable } from "../../../src/exchange/settlement/DeterministicCbor.js"
import { didOf } from "../../../src/exchange/settlement/DidKey.js"

/** A key pair and the ids it gives. */
export const newKey = () => {
  const privateKey = Crypto.generateKeyPairSync("ed25519").privateKey
  const did = didOf(Crypto.createPublicKey(privateKey))
  return { privateKey, did, nodeId: `node:${did}`, participantId: `participant:${did}` }
}

/** A port free on `host` right now (the nodes' addresses are our own, so it stays free). */
export const freePort = (host: string) =>
  Effect.async<number>((resume) => {
    const server = Net.createServer()
    server.listen(0, host, () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resume(Effect.succeed(port)))
    })
  })

/** A signed `service-offer.v1` of `provider` (node and participant key), with `overrides` signed in. */
export const signedOffer = (
  provider: ReturnType<typeof newKey>,
  offerId: string,
  nowMs: number,
  overrides: Readonly<Record<string, unknown>> = {}
): Record<string, unknown> => {
  const document: Record<string, unknown> = {
    "offer/id": offerId,
    "created-at": new Date(nowMs).toISOString(),
    "published-at": new Date(nowMs).toISOString(),
    "expires-at": new Date(nowMs + 3_600_000).toISOString(),
    "sequence/no": 1,
    "provider/node-id": provider.nodeId,
    "provider/participant-id": provider.participantId,
    "service/type": "text/redaction",
    "service/description": "text/redaction by a test provider",
    "pricing/amount": 1000,
    "pricing/currency": "ORC",
    "pricing/unit": "1800 input characters",
    "pricing/unit-kind": "per-character-block",
    "delivery/max-duration-sec": 3600,
    "queue/auto-accept": true,
    "queue/max-depth": 3,
    hybrid: false,
    ...overrides
  }
  const signature = sign(OFFER_DOMAIN, document, provider.privateKey)
  // Only a document that is not JSON has no signature; left unsigned, the buyer would drop it visibly.
  return signature instanceof NotEncodable ? document : { ...document, signature }
}

/** A completed result of `dispatch` by `seller`. */
export const completedResult = (seller: ReturnType<typeof newKey>, dispatch: DispatchRequest, output: unknown): ServiceOrderResult => ({
  request_id: dispatch.request_id,
  "correlation/id": dispatch["correlation/id"],
  service_type: dispatch.order["service/type"],
  status: "completed",
  output,
  "provider/node-id": seller.nodeId,
  "provider/participant-id": seller.participantId,
  responded_at: "2026-12-07T06:00:00Z"
})

/** How one test node runs. */
export interface NodeOptions {
  readonly key: ReturnType<typeof newKey>
  readonly host: string
  readonly port: number
  readonly peers: PeersConfig
  readonly offers?: () => ReadonlyArray<Record<string, unknown>>
  /** Deliver results to the buyer (true) or lose them (false). */
  readonly deliver?: boolean
}

/** A running test node. */
export interface TestNode {
  readonly key: ReturnType<typeof newKey>
  readonly url: string
  readonly client: PeerClient["Type"]
  readonly catalog: RemoteCatalog["Type"]
  readonly sync: CatalogSync.CatalogSync["Type"]
  /** How many times this node's desk ran an order. */
  readonly executions: Ref.Ref<number>
  readonly awaitResult: (requestId: string) => Effect.Effect<ServiceOrderResult>
  /** The node's client and inbox, for `recoverResult`. */
  readonly context: Context.Context<PeerClient | ResultInbox.ResultInbox>
}

/** The peer entry other nodes list for `key` at `host:port`. */
export const entryOf = (key: ReturnType<typeof newKey>, host: string, port: number, trusted = false): PeerEntry => ({
  node_id: key.nodeId,
  url: `http://${host}:${port}`,
  trusted
})

/** Starts a node in the current scope. */
export const startNode = (options: NodeOptions) =>
  Effect.gen(function*() {
    const keyLayer = Layer.succeed(PeerKey, fromPrivateKey(options.key.privateKey))
    const settings = { clock_skew: 60_000, request_timeout: 5_000 }
    const clientContext = yield* Layer.build(PeerClientModule.layer(settings, options.peers).pipe(Layer.provide(keyLayer)))
    const client = Context.get(clientContext, PeerClient)
    const catalog = yield* RemoteCatalogModule.make(options.peers)
    const inbox = yield* ResultInbox.makeReference
    const executions = yield* Ref.make(0)
    const desk = yield* SellerDesk.makeReference({
      execute: (_from, dispatch) =>
        Effect.as(Ref.update(executions, (n) => n + 1), completedResult(options.key, dispatch, { text: `done: ${dispatch.request_id}` })),
      deliver: (from, dispatch, result) =>
        options.deliver === false ? Effect.void : client.deliverResult(from, dispatch["reply/target"], result)
    })
    const serverContext = yield* Layer.build(
      PeerServer.layer({ listen: { host: options.host, port: options.port }, peers: options.peers, skewMs: 60_000 }).pipe(
        Layer.provide(Layer.mergeAll(
          keyLayer,
          Layer.succeed(LocalOffers.LocalOffers, LocalOffers.fromList(options.offers ?? (() => []))),
          Layer.succeed(SellerDesk.SellerDesk, desk),
          Layer.succeed(ResultInbox.ResultInbox, inbox.inbox)
        ))
      )
    )
    const sync = yield* CatalogSync.make.pipe(
      Effect.provideService(PeerClient, client),
      Effect.provideService(RemoteCatalog, catalog)
    )
    return {
      key: options.key,
      url: Context.get(serverContext, PeerServer.PeerServer).url,
      client,
      catalog,
      sync,
      executions,
      awaitResult: inbox.awaitResult,
      context: Context.make(PeerClient, client).pipe(Context.add(ResultInbox.ResultInbox, inbox.inbox))
    } satisfies TestNode
  })

/** A dispatch of `offerId` from `buyer` to `seller`. */
export const dispatchOf = (
  buyer: TestNode,
  seller: ReturnType<typeof newKey>,
  requestId: string,
  offer: Readonly<Record<string, unknown>>
): DispatchRequest => ({
  request_id: requestId,
  order: {
    "order/id": `order:run-1:step-1:${requestId}`,
    "buyer/node-id": buyer.key.nodeId,
    "provider/node-id": seller.nodeId,
    "offer/id": String(offer["offer/id"]),
    "offer/seq": Number(offer["sequence/no"]),
    "service/type": String(offer["service/type"]),
    signature: { alg: "ed25519", value: "AAAA" }
  },
  "correlation/id": `corr-${requestId}`,
  "reply/target": `${buyer.url}/v1/peer/service-orders/results`,
  delivery_deadline: "2026-12-07T07:00:00Z"
})
