/**
 * Calls to other nodes' peer APIs: each request signed by this node's key, each answer verified
 * (signed by the very node called, digest, skew, fresh nonce) and decoded by its Schema before
 * anyone sees it. A transport failure is tried once more (a pooled socket may be dead) with a new
 * signature; every call is bounded by `request_timeout`.
 */
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { Context, Effect, Either, Layer, Option, Schema } from "effect"
import type { PeerConfig, PeerEntry, PeersConfig } from "../../config/PeerConfig.js"
import { decoderEither, problemText } from "../settlement/artifacts/Common.js"
import type { RequestParts } from "./MessageSignature.js"
import { PeerAnswerInvalid, type PeerCallError, PeerRefused, PeerUnreachable, ResultConflict, UnknownPeer } from "./PeerErrors.js"
import { PeerKey } from "./PeerKey.js"
import {
  type CatalogFetchRequest,
  CatalogFetchResponse,
  DispatchAccepted,
  type DispatchRequest,
  OrderStatus,
  PeerErrorBody,
  ResultAdmission,
  ROUTES,
  type ServiceOrderResult
} from "./PeerMessages.js"
import { signRequest, verifyMessage } from "./PeerSigning.js"
import * as ReplayCache from "./ReplayCache.js"
import { parseJsonUnknown } from "../../contract/Json.js"

/** The client of other nodes' peer APIs. */
export class PeerClient extends Context.Tag("orbiplex/PeerClient")<PeerClient, {
  /** The configured peers. */
  readonly peers: PeersConfig
  /** Pulls a peer's offer catalog. */
  readonly fetchCatalog: (nodeId: string, request?: CatalogFetchRequest) => Effect.Effect<CatalogFetchResponse, PeerCallError>
  /** Dispatches an order to the seller node; the same request_id again gets the first answer. */
  readonly dispatch: (nodeId: string, dispatch: DispatchRequest) => Effect.Effect<DispatchAccepted, PeerCallError>
  /** Delivers a result to the buyer node at `target` (the dispatch's `reply/target`). */
  readonly deliverResult: (nodeId: string, target: string, result: ServiceOrderResult) => Effect.Effect<ResultAdmission, PeerCallError | ResultConflict>
  /** Asks the seller node where an order stands; none when it does not know the order. */
  readonly orderStatus: (nodeId: string, requestId: string) => Effect.Effect<Option.Option<OrderStatus>, PeerCallError>
}>() {}

/** The largest answer read from a peer (a catalog of a few thousand offers). */
export const MAX_ANSWER_BYTES = 8 * 1_048_576

/** A verified answer: status and parsed JSON body. */
interface Answer {
  readonly status: number
  readonly body: unknown
}

/** Builds the client over this node's key and an HttpClient. */
export const make = (settings: Pick<PeerConfig, "clock_skew" | "request_timeout">, peers: PeersConfig) =>
  Effect.gen(function*() {
    const key = yield* PeerKey
    const http = yield* HttpClient.HttpClient
    const replay = yield* ReplayCache.make(100_000)

    const peerOf = (nodeId: string): Effect.Effect<PeerEntry, UnknownPeer> => {
      const peer = peers.find((candidate) => candidate.node_id === nodeId)
      return peer === undefined ? Effect.fail(new UnknownPeer({ node_id: nodeId, known: peers.map((p) => p.node_id) })) : Effect.succeed(peer)
    }

    const send = (nodeId: string, method: "GET" | "POST", url: URL, body: unknown) =>
      Effect.gen(function*() {
        const bytes = body === undefined ? undefined : Buffer.from(JSON.stringify(body), "utf8")
        const target = url.href
        const unreachable = (reason: string) => new PeerUnreachable({ node_id: nodeId, url: target, reason })
        const invalid = (reason: string) => new PeerAnswerInvalid({ node_id: nodeId, url: target, reason })
        const attempt = Effect.gen(function*() {
          const headers = yield* signRequest(key, { method, url, body: bytes === undefined ? undefined : { bytes, contentType: "application/json" } })
          const { "content-type": contentType, ...rest } = headers
          const base = HttpClientRequest.make(method)(url).pipe(HttpClientRequest.setHeaders(rest))
          const request = bytes === undefined ? base : HttpClientRequest.bodyUint8Array(base, bytes, contentType)
          const response = yield* http.execute(request).pipe(Effect.mapError((error) => unreachable(error.message)))
          // undici's client does not honour MaxBodySize: refuse a declared oversize answer before reading it.
          const declared = Number(response.headers["content-length"] ?? 0)
          if (declared > MAX_ANSWER_BYTES) return yield* invalid(`the answer declares ${declared} bytes, above the ${MAX_ANSWER_BYTES} taken`)
          const answer = new Uint8Array(yield* response.arrayBuffer.pipe(Effect.mapError((error) => unreachable(error.message))))
          return { response, answer }
        })
        const { answer, response } = yield* attempt.pipe(
          Effect.retry({ times: 1, while: (error) => error._tag === "PeerUnreachable" }),
          Effect.timeoutFail({ duration: settings.request_timeout, onTimeout: () => unreachable(`no answer within ${settings.request_timeout} ms`) })
        )
        const parts: RequestParts = { method, url, header: () => undefined }
        const header = (name: string) => response.headers[name]
        yield* verifyMessage({ _tag: "response", response: { status: response.status, header, request: parts } }, header, answer, {
          skewMs: settings.clock_skew,
          replay,
          admit: (signer) => signer === nodeId ? undefined : `the answer is signed by ${signer}, not by the node called`
        }).pipe(Effect.mapError((refused) => invalid(`its signature is refused (${refused.kind}): ${refused.reason}`)))
        const parsed = yield* Either.match(parseJsonUnknown(Buffer.from(answer).toString("utf8")), {
          onLeft: (reason) => Effect.fail(invalid(`the body is not JSON: ${reason}`)),
          onRight: Effect.succeed
        })
        return { status: response.status, body: parsed } satisfies Answer
      })

    const refused = (nodeId: string, url: string, answer: Answer) => {
      const body = Schema.decodeUnknownOption(PeerErrorBody)(answer.body)
      return new PeerRefused({
        node_id: nodeId,
        url,
        status: answer.status,
        error: Option.match(body, { onNone: () => "Unknown", onSome: (b) => b.error }),
        reason: Option.match(body, { onNone: () => JSON.stringify(answer.body).slice(0, 500), onSome: (b) => b.message })
      })
    }

    const decode = <A, I>(nodeId: string, url: string, schema: Schema.Schema<A, I>, answer: Answer) =>
      Either.match(decoderEither(schema)(answer.body), {
        onLeft: (error) => Effect.fail(new PeerAnswerInvalid({ node_id: nodeId, url, reason: `the body is off its schema: ${problemText(error)}` })),
        onRight: (value) => Effect.succeed(value)
      })

    const call = <A, I>(nodeId: string, method: "GET" | "POST", path: string, body: unknown, ok: number, schema: Schema.Schema<A, I>) =>
      Effect.gen(function*() {
        const peer = yield* peerOf(nodeId)
        const url = new URL(`${peer.url.replace(/\/+$/, "")}${path}`)
        const answer = yield* send(nodeId, method, url, body)
        if (answer.status !== ok) return yield* refused(nodeId, url.href, answer)
        return yield* decode(nodeId, url.href, schema, answer)
      })

    return PeerClient.of({
      peers,
      fetchCatalog: (nodeId, request = {}) =>
        call(nodeId, "POST", ROUTES.catalogFetch, request, 200, CatalogFetchResponse).pipe(
          Effect.filterOrFail(
            (response) => response.node_id === nodeId,
            (response) => new PeerAnswerInvalid({ node_id: nodeId, url: ROUTES.catalogFetch, reason: `the catalog names node ${response.node_id}` })
          )
        ),
      dispatch: (nodeId, dispatch) => call(nodeId, "POST", ROUTES.dispatch, dispatch, 202, DispatchAccepted),
      deliverResult: (nodeId, target, result) =>
        Effect.gen(function*() {
          const peer = yield* peerOf(nodeId)
          const base = peer.url.replace(/\/+$/, "")
          if (!target.startsWith(`${base}/`)) {
            return yield* new PeerAnswerInvalid({ node_id: nodeId, url: target, reason: `reply/target is not on the peer's configured URL ${base}` })
          }
          const url = new URL(target)
          const answer = yield* send(nodeId, "POST", url, result)
          if (answer.status === 409) {
            const body = Schema.decodeUnknownOption(PeerErrorBody)(answer.body)
            return yield* new ResultConflict({ request_id: result.request_id, reason: Option.match(body, { onNone: () => "409", onSome: (b) => b.message }) })
          }
          if (answer.status !== 200) return yield* refused(nodeId, url.href, answer)
          return yield* decode(nodeId, url.href, ResultAdmission, answer)
        }),
      orderStatus: (nodeId, requestId) =>
        call(nodeId, "GET", ROUTES.orderStatus(requestId), undefined, 200, OrderStatus).pipe(
          Effect.map(Option.some),
          Effect.catchIf((error) => error._tag === "PeerRefused" && error.status === 404, () => Effect.succeed(Option.none()))
        )
    })
  })

/** The client with its own undici pool. */
export const layer = (
  settings: Pick<PeerConfig, "clock_skew" | "request_timeout">,
  peers: PeersConfig
): Layer.Layer<PeerClient, never, PeerKey> =>
  Layer.effect(PeerClient, make(settings, peers)).pipe(Layer.provide(NodeHttpClient.layerUndici))
