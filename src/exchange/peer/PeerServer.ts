/**
 * The peer server on `peer.listen` (SETTLEMENT.md transport table): every request must carry a
 * valid signature by a node on the `peers` list (401 for a bad or missing signature, 403 for a node
 * not listed), every body is decoded by its Schema, and every answer, errors included, is signed by
 * this node's key. Dispatches go to the SellerDesk (the same request_id again gets the first
 * answer), results to the ResultInbox, catalog fetches are answered from LocalOffers.
 */
import { HttpRouter, HttpServer, type HttpServerError, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Clock, Context, Effect, Either, Layer, Option, Schema } from "effect"
import * as DrainingHttpServer from "../../http/DrainingHttpServer.js"
import type { PeerListenAddress, PeersConfig } from "../../config/PeerConfig.js"
import { decoderEither, problemText } from "../settlement/artifacts/Common.js"
import * as FirstAnswers from "./FirstAnswers.js"
import { LocalOffers } from "./LocalOffers.js"
import type { RequestParts } from "./MessageSignature.js"
import {
  CatalogFetchRequest,
  type CatalogFetchResponse,
  DispatchRequest,
  type OrderStatus,
  type PeerErrorBody,
  type ResultAdmission,
  ROUTES,
  ServiceOrderResult
} from "./PeerMessages.js"
import { PeerKey } from "./PeerKey.js"
import { signResponse, verifyMessage } from "./PeerSigning.js"
import * as ReplayCache from "./ReplayCache.js"
import { ResultInbox } from "./ResultInbox.js"
import { SellerDesk } from "./SellerDesk.js"
import { parseJsonUnknown } from "../../contract/Json.js"

/** How the peer server is run. */
export interface PeerServerSettings {
  readonly listen: PeerListenAddress
  readonly peers: PeersConfig
  readonly skewMs: number
  /** Nonces remembered at most; 100 000 by default. */
  readonly replayCapacity?: number
  /** The largest request body taken; 1 MiB by default. */
  readonly maxBodyBytes?: number
}

/** The running peer server. */
export class PeerServer extends Context.Tag("orbiplex/PeerServer")<PeerServer, {
  /** `http://host:port` as bound (the real port when 0 was asked). */
  readonly url: string
  readonly nodeId: string
}>() {}

/** The peer server could not listen. */
export class PeerListenFailed extends Schema.TaggedError<PeerListenFailed>()("PeerListenFailed", {
  address: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `cannot serve the peer API on ${this.address}: ${this.reason}. Set "peer": {"listen": "<address>:<free port>"}`
  }
}

/** One answer before it is signed. */
interface Reply {
  readonly status: number
  readonly body: unknown
}

const errorReply = (status: number, error: string, message: string): Reply => ({
  status,
  body: { error, message } satisfies PeerErrorBody
})

const hostUrl = (host: string, port: number) => `http://${host.includes(":") ? `[${host}]` : host}:${port}`

/** Builds the HTTP app over the services it needs. */
export const makeApp = Effect.fn("PeerServer.makeApp")(function*(settings: Omit<PeerServerSettings, "listen">) {
  const key = yield* PeerKey
  const offers = yield* LocalOffers
  const desk = yield* SellerDesk
  const inbox = yield* ResultInbox
  const replay = yield* ReplayCache.make(settings.replayCapacity ?? 100_000)
  const dispatches = yield* FirstAnswers.make<Reply>(24 * 3_600_000)
  const maxBody = settings.maxBodyBytes ?? 1_048_576
  const peerOf = (nodeId: string) => settings.peers.find((peer) => peer.node_id === nodeId)
  const admit = (nodeId: string) =>
    peerOf(nodeId) === undefined ? `node ${nodeId} is not on this node's "peers" list: its operator must add it to trade` : undefined

  const respond = (parts: RequestParts, reply: Reply) =>
    Effect.gen(function*() {
      const bytes = Buffer.from(JSON.stringify(reply.body), "utf8")
      const headers = yield* signResponse(key, { status: reply.status, body: { bytes, contentType: "application/json" }, request: parts })
      const { "content-type": contentType, ...rest } = headers
      return HttpServerResponse.uint8Array(bytes, { status: reply.status, headers: rest, contentType })
    })

  const partsOf = (request: HttpServerRequest.HttpServerRequest): RequestParts => ({
    method: request.method,
    url: new URL(request.url, `http://${request.headers["host"] ?? "unknown"}`),
    header: (name) => request.headers[name]
  })

  const decodeJson = <A, I>(name: string, schema: Schema.Schema<A, I>, bytes: Uint8Array, closed: boolean) => {
    const json = parseJsonUnknown(Buffer.from(bytes).toString("utf8"))
    if (Either.isLeft(json)) return Either.left(`the body is not JSON: ${json.left}`)
    const parsed = json.right
    const decoded = closed ? Schema.decodeUnknownEither(schema, { errors: "all", onExcessProperty: "error" })(parsed) : decoderEither(schema)(parsed)
    return Either.mapLeft(decoded, (error) => `the body is not a valid ${name}: ${problemText(error)}`)
  }

  /** Verifies the request, runs `route` for a verified sender, signs whatever is answered. */
  const signed = (route: (from: string, bytes: Uint8Array, request: HttpServerRequest.HttpServerRequest) => Effect.Effect<Reply>) =>
    Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const parts = partsOf(request)
      const body = yield* request.arrayBuffer.pipe(HttpServerRequest.withMaxBodySize(Option.some(maxBody)), Effect.either)
      if (Either.isLeft(body)) {
        return yield* respond(parts, errorReply(413, "BodyUnreadable", `the body could not be read within ${maxBody} bytes: ${body.left.message}`))
      }
      const bytes = new Uint8Array(body.right)
      const verified = yield* verifyMessage({ _tag: "request", request: parts }, parts.header, bytes, {
        skewMs: settings.skewMs,
        replay,
        admit
      }).pipe(Effect.either)
      if (Either.isLeft(verified)) {
        const refusal = verified.left
        const status = refusal.kind === "unknown-peer" ? 403 : 401
        yield* Effect.logWarning(`peer request ${request.method} ${request.url} refused (${status}): ${refusal.reason}`)
        return yield* respond(parts, errorReply(status, status === 403 ? "UnknownPeer" : "SignatureRefused", refusal.reason))
      }
      return yield* respond(parts, yield* route(verified.right, bytes, request))
    })

  const catalogFetch = signed((from, bytes) =>
    Either.match(decodeJson("offer-catalog.fetch.request", CatalogFetchRequest, bytes, false), {
      onLeft: (problem) => Effect.succeed(errorReply(400, "BadRequest", problem)),
      onRight: (fetch) =>
        Effect.gen(function*() {
          const now = new Date(yield* Clock.currentTimeMillis).toISOString()
          const documents = yield* offers.current(fetch.filter)
          const response: CatalogFetchResponse = {
            offers: documents.map((offer) => ({
              "relay/id": `offer-relay:${String(offer["offer/id"]).replace(/^offer:/, "")}:${String(offer["sequence/no"])}`,
              "relay/origin-node-id": key.nodeId,
              "relay/hops": 0,
              "relay/relayed-at": now,
              offer
            })),
            node_id: key.nodeId,
            responded_at: now,
            ...(fetch.query_id === undefined ? {} : { query_id: fetch.query_id }),
            error: null
          }
          yield* Effect.logDebug(`catalog fetch by ${from}: ${response.offers.length} offers`)
          return { status: 200, body: response }
        })
    }))

  const acceptDispatch = (from: string, dispatch: DispatchRequest): Effect.Effect<Reply> => {
    const order = dispatch.order
    if (order["buyer/node-id"] !== from) {
      return Effect.succeed(errorReply(403, "BuyerMismatch", `the order names buyer node ${order["buyer/node-id"]} but ${from} sent it`))
    }
    if (order["provider/node-id"] !== key.nodeId) {
      return Effect.succeed(errorReply(421, "MisdirectedOrder", `the order is for provider node ${order["provider/node-id"]}, not this node (${key.nodeId})`))
    }
    const base = peerOf(from)?.url.replace(/\/+$/, "") ?? ""
    if (!dispatch["reply/target"].startsWith(`${base}/`)) {
      return Effect.succeed(errorReply(400, "BadReplyTarget", `reply/target must be on ${from}'s configured URL ${base}; it is ${dispatch["reply/target"]}`))
    }
    return desk.accept(from, dispatch).pipe(
      Effect.as<Reply>({ status: 202, body: { request_id: dispatch.request_id } }),
      Effect.catchTag("DispatchRefused", (refused) =>
        Effect.succeed<Reply>({ status: 422, body: { error: refused.code, message: refused.reason, retryable: refused.retryable } }))
    )
  }

  const dispatch = signed((from, bytes) =>
    Either.match(decodeJson("service-order.dispatch.request.v1", DispatchRequest, bytes, false), {
      onLeft: (problem) => Effect.succeed(errorReply(400, "BadRequest", problem)),
      onRight: (request) => dispatches.answer(`${from} ${request.request_id}`, acceptDispatch(from, request))
    }))

  const results = signed((from, bytes) =>
    Either.match(decodeJson("service-order.result.v1", ServiceOrderResult, bytes, true), {
      onLeft: (problem) => Effect.succeed(errorReply(400, "BadRequest", problem)),
      onRight: (result) =>
        inbox.admit(from, result).pipe(
          Effect.map((admission): Reply => ({ status: 200, body: { request_id: result.request_id, admission } satisfies ResultAdmission })),
          Effect.catchTags({
            ResultConflict: (conflict) => Effect.succeed(errorReply(409, "ResultConflict", conflict.message)),
            ResultRefused: (refused) => Effect.succeed(errorReply(403, "ResultRefused", refused.message))
          })
        )
    }))

  const orderStatus = signed((from, _bytes, request) => {
    const requestId = decodeURIComponent(new URL(request.url, "http://x").pathname.slice(ROUTES.dispatch.length + 1))
    return Effect.map(desk.status(from, requestId), Option.match({
      onNone: () => errorReply(404, "UnknownOrder", `no order ${requestId} dispatched by ${from} is known here`),
      onSome: (status): Reply => ({ status: 200, body: status satisfies OrderStatus })
    }))
  })

  const notFound = signed((_from, _bytes, request) =>
    Effect.succeed(errorReply(404, "RouteNotFound", `no peer route ${request.method} ${request.url}; peers serve ${Object.values(ROUTES).filter((r) => typeof r === "string").join(", ")}`)))

  return HttpRouter.empty.pipe(
    HttpRouter.post(ROUTES.catalogFetch, catalogFetch),
    HttpRouter.post(ROUTES.results, results),
    HttpRouter.post(ROUTES.dispatch, dispatch),
    HttpRouter.get(`${ROUTES.dispatch}/:request_id`, orderStatus),
    Effect.catchTag("RouteNotFound", () => notFound)
  )
})

const listenFailed = (listen: PeerListenAddress) => (error: HttpServerError.ServeError) =>
  new PeerListenFailed({
    address: hostUrl(listen.host, listen.port),
    reason: error.cause instanceof Error ? error.cause.message : String(error.cause)
  })

/** Serves the peer API on `settings.listen` for the lifetime of the layer's scope. */
export const layer = (
  settings: PeerServerSettings
): Layer.Layer<PeerServer, PeerListenFailed, PeerKey | LocalOffers | SellerDesk | ResultInbox> =>
  Layer.scoped(
    PeerServer,
    Effect.gen(function*() {
      const app = yield* makeApp(settings)
      const server = yield* HttpServer.HttpServer
      yield* server.serve(app)
      const bound = server.address
      const url = bound._tag === "TcpAddress" ? hostUrl(bound.hostname, bound.port) : hostUrl(settings.listen.host, settings.listen.port)
      const nodeId = (yield* PeerKey).nodeId
      yield* Effect.logInfo(`peer API of ${nodeId} listening on ${url}`)
      return PeerServer.of({ url, nodeId })
    })
  ).pipe(
    Layer.provide(
      NodeHttpServer.layer(() => DrainingHttpServer.make(), { host: settings.listen.host, port: settings.listen.port }).pipe(
        Layer.mapError(listenFailed(settings.listen))
      )
    )
  )
