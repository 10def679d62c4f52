import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Option, Ref, Schedule, type Scope } from "effect"
import { quiet } from "../../support/Node.js"
import { signRequest } from "../../../src/exchange/peer/PeerSigning.js"
import { fromPrivateKey } from "../../../src/exchange/peer/PeerKey.js"
import { ROUTES } from "../../../src/exchange/peer/PeerMessages.js"
import { recoverResult } from "../../../src/exchange/peer/ResultRecovery.js"
import { completedResult, dispatchOf, entryOf, freePort, newKey, signedOffer, startNode } from "./PeerHarness.js"

const SELLER_HOST = "127.0.0.2"
const BUYER_HOST = "127.0.0.3"

/** A seller on 127.0.0.2 and a buyer on 127.0.0.3 that list each other. */
const twoNodes = (offers: (seller: ReturnType<typeof newKey>) => ReadonlyArray<Record<string, unknown>>, options: { readonly deliver?: boolean; readonly trusted?: boolean } = {}) =>
  Effect.gen(function*() {
    const sellerKey = newKey()
    const buyerKey = newKey()
    const sellerPort = yield* freePort(SELLER_HOST)
    const buyerPort = yield* freePort(BUYER_HOST)
    const sellerOffers = offers(sellerKey)
    const seller = yield* startNode({
      key: sellerKey,
      host: SELLER_HOST,
      port: sellerPort,
      peers: [entryOf(buyerKey, BUYER_HOST, buyerPort)],
      offers: () => sellerOffers,
      ...(options.deliver === undefined ? {} : { deliver: options.deliver })
    })
    const buyer = yield* startNode({
      key: buyerKey,
      host: BUYER_HOST,
      port: buyerPort,
      peers: [entryOf(sellerKey, SELLER_HOST, sellerPort, options.trusted ?? false)]
    })
    return { seller, buyer, sellerOffers }
  })

/** A raw signed POST, so a test can tamper with what a client would send. */
const rawPost = (url: string, headers: Readonly<Record<string, string>>, body: Uint8Array) =>
  Effect.promise(async () => {
    const response = await fetch(url, { method: "POST", headers: { ...headers }, body })
    return { status: response.status, headers: response.headers, body: await response.text() }
  })

/** A live test over real sockets, its logs silenced like the rest of the suite's. */
const live = <A, E>(name: string, body: () => Effect.Effect<A, E, Scope.Scope>) => it.scopedLive(name, () => quiet(body()))

describe("two nodes that trade over the peer transport", () => {
  live("the buyer pulls the seller's catalog, verifies each offer and resolves it", () =>
    Effect.gen(function*() {
      const now = Date.now()
      const { buyer, seller, sellerOffers } = yield* twoNodes((key) => [
        signedOffer(key, "offer:ola-redaction-01", now),
        signedOffer(key, "offer:old-01", now - 7_200_000, { "expires-at": new Date(now - 1_000).toISOString() }),
        signedOffer(key, "offer:gone-01", now, { "offer/status": "withdrawn", "sequence/no": 4 })
      ])
      const [report] = yield* buyer.sync.syncAll
      expect(report?.error).toBeUndefined()
      expect(report?.outcomes.map((outcome) => outcome._tag)).toEqual(["admitted", "dropped", "withdrawn"])
      const resolved = yield* buyer.catalog.resolve("offer:ola-redaction-01")
      expect(Option.map(resolved, (offer) => [offer.trust, offer.amount, offer.provider_node_id, offer.via_node_id])).toEqual(
        Option.some(["known-peer", 1000, seller.key.nodeId, seller.key.nodeId])
      )
      expect(Option.map(resolved, (offer) => offer.document)).toEqual(Option.some(sellerOffers[0]))
      expect(Option.isNone(yield* buyer.catalog.resolve("offer:old-01"))).toBe(true)
      expect(Option.isNone(yield* buyer.catalog.resolve("offer:gone-01"))).toBe(true)

      // Monotonic: the same sequence again is stale, and an older active one cannot undo the withdrawal.
      const [again] = yield* buyer.sync.syncAll
      expect(again?.outcomes.map((outcome) => outcome._tag)).toEqual(["stale", "dropped", "stale"])
    }))

  live("a whitelisted peer's offers are admitted as whitelisted", () =>
    Effect.gen(function*() {
      const { buyer } = yield* twoNodes((key) => [signedOffer(key, "offer:adam-news-01", Date.now())], { trusted: true })
      yield* buyer.sync.syncAll
      expect(Option.map(yield* buyer.catalog.resolve("offer:adam-news-01"), (offer) => offer.trust)).toEqual(Option.some("whitelisted"))
    }))

  live("an offer whose content was changed after signing is dropped", () =>
    Effect.gen(function*() {
      const { buyer } = yield* twoNodes((key) => {
        const genuine = signedOffer(key, "offer:marcin-illust-01", Date.now())
        return [{ ...genuine, "pricing/amount": 1 }, signedOffer(newKey(), "offer:stranger-01", Date.now())]
      })
      const [report] = yield* buyer.sync.syncAll
      const [tampered, foreign] = report?.outcomes ?? []
      expect(tampered?._tag === "dropped" && tampered.reason).toMatch(/signature is refused: the signature does not verify/)
      expect(foreign?._tag === "dropped" && foreign.reason).toMatch(/relays it as its own, but it names provider node/)
      expect(Option.isNone(yield* buyer.catalog.resolve("offer:marcin-illust-01"))).toBe(true)
    }))

  live("a request whose body or signature was tampered with is refused with 401, signed", () =>
    Effect.gen(function*() {
      const { buyer, seller } = yield* twoNodes(() => [])
      const url = new URL(`${seller.url}${ROUTES.catalogFetch}`)
      const body = Buffer.from("{}")
      const key = fromPrivateKey(buyer.key.privateKey)
      const headers = yield* signRequest(key, { method: "POST", url, body: { bytes: body, contentType: "application/json" } })

      const changedBody = yield* rawPost(url.href, headers, Buffer.from("{ }"))
      expect(changedBody.status).toBe(401)
      expect(JSON.parse(changedBody.body)).toMatchObject({ error: "SignatureRefused", message: expect.stringMatching(/Content-Digest does not match/) })
      expect(changedBody.headers.get("signature-input")).toMatch(/keyid="node:did:key:/)

      const signature = headers["signature"] ?? ""
      const flipped = signature.slice(0, 12) + (signature[12] === "A" ? "B" : "A") + signature.slice(13)
      const badSignature = yield* rawPost(url.href, { ...headers, signature: flipped }, body)
      expect(badSignature.status).toBe(401)
      expect(JSON.parse(badSignature.body).message).toMatch(/does not verify with the key of/)

      const { signature: _s, "signature-input": _i, ...unsigned } = headers
      expect((yield* rawPost(url.href, unsigned, body)).status).toBe(401)

      // The untouched request still passes once; the very same request again is a replay.
      expect((yield* rawPost(url.href, headers, body)).status).toBe(200)
      const replayed = yield* rawPost(url.href, headers, body)
      expect(replayed.status).toBe(401)
      expect(JSON.parse(replayed.body).message).toMatch(/already used: a replayed message/)
    }))

  live("a node not on the peers list is refused with 403 and a reason", () =>
    Effect.gen(function*() {
      const { seller } = yield* twoNodes(() => [])
      const strangerKey = newKey()
      const stranger = yield* startNode({
        key: strangerKey,
        host: "127.0.0.4",
        port: yield* freePort("127.0.0.4"),
        peers: [{ node_id: seller.key.nodeId, url: seller.url, trusted: false }]
      })
      const refused = yield* Effect.either(stranger.client.fetchCatalog(seller.key.nodeId))
      expect(Either.isLeft(refused) && refused.left._tag === "PeerRefused" && [refused.left.status, refused.left.error]).toEqual([403, "UnknownPeer"])
      expect(Either.isLeft(refused) && refused.left.message).toMatch(/is not on this node's "peers" list/)
      const unknown = yield* Effect.either(stranger.client.fetchCatalog(strangerKey.nodeId))
      expect(Either.isLeft(unknown) && unknown.left._tag).toBe("UnknownPeer")
    }))

  live("an answer signed by another node than the one called is discarded", () =>
    Effect.gen(function*() {
      const { buyer, seller } = yield* twoNodes(() => [])
      // A buyer whose "peers" entry names the seller's id but points at another node's URL.
      const confused = yield* startNode({
        key: buyer.key,
        host: "127.0.0.5",
        port: yield* freePort("127.0.0.5"),
        peers: [{ node_id: seller.key.nodeId, url: buyer.url, trusted: false }]
      })
      const answer = yield* Effect.flip(confused.client.fetchCatalog(seller.key.nodeId))
      expect(answer._tag).toBe("PeerAnswerInvalid")
      expect(answer.message).toMatch(new RegExp(`signed by ${buyer.key.nodeId}, not by the node called`))
    }))

  live("a dispatch whose reply/target is not the buyer's configured URL is refused", () =>
    Effect.gen(function*() {
      const { buyer, seller } = yield* twoNodes(() => [])
      const dispatch = dispatchOf(buyer, seller.key, "req-elsewhere", { "offer/id": "offer:x", "sequence/no": 1, "service/type": "t" })
      const refused = yield* Effect.flip(buyer.client.dispatch(seller.key.nodeId, { ...dispatch, "reply/target": "http://127.0.0.9:1/steal" }))
      expect(refused._tag === "PeerRefused" && [refused.status, refused.error]).toEqual([400, "BadReplyTarget"])
      expect(yield* Ref.get(seller.executions)).toBe(0)
    }))

  live("a dispatch sent again with the same request_id gets the first answer, and runs once", () =>
    Effect.gen(function*() {
      const now = Date.now()
      const { buyer, seller, sellerOffers } = yield* twoNodes((key) => [signedOffer(key, "offer:ola-redaction-01", now)])
      const offer = sellerOffers[0] ?? {}
      const dispatch = dispatchOf(buyer, seller.key, "req-1", offer)
      const [first, second, third] = yield* Effect.all([
        buyer.client.dispatch(seller.key.nodeId, dispatch),
        buyer.client.dispatch(seller.key.nodeId, dispatch),
        buyer.client.dispatch(seller.key.nodeId, { ...dispatch, "correlation/id": "changed" })
      ], { concurrency: 3 })
      expect([first, second, third]).toEqual([{ request_id: "req-1" }, { request_id: "req-1" }, { request_id: "req-1" }])
      const result = yield* buyer.awaitResult("req-1")
      expect(result).toMatchObject({ status: "completed", output: { text: "done: req-1" } })
      expect(yield* Ref.get(seller.executions)).toBe(1)

      // A first answer that was a refusal stays the answer too.
      const misdirected = { ...dispatch, request_id: "req-2", order: { ...dispatch.order, "provider/node-id": buyer.key.nodeId } }
      const refusals = yield* Effect.all([0, 1].map(() => Effect.flip(buyer.client.dispatch(seller.key.nodeId, misdirected))))
      expect(refusals.map((error) => error._tag === "PeerRefused" && [error.status, error.error])).toEqual([[421, "MisdirectedOrder"], [421, "MisdirectedOrder"]])
    }))

  live("a result delivered twice is already-present; a different one is a 409 conflict", () =>
    Effect.gen(function*() {
      const { buyer, seller } = yield* twoNodes(() => [], { deliver: false })
      const dispatch = dispatchOf(buyer, seller.key, "req-9", { "offer/id": "offer:x", "sequence/no": 1, "service/type": "text/redaction" })
      const target = dispatch["reply/target"]
      const result = completedResult(seller.key, dispatch, { text: "first" })
      expect(yield* seller.client.deliverResult(buyer.key.nodeId, target, result)).toEqual({ request_id: "req-9", admission: "admitted" })
      expect(yield* seller.client.deliverResult(buyer.key.nodeId, target, result)).toEqual({ request_id: "req-9", admission: "already-present" })
      const conflict = yield* Effect.flip(seller.client.deliverResult(buyer.key.nodeId, target, { ...result, output: { text: "second" } }))
      expect(conflict._tag).toBe("ResultConflict")
      expect(conflict.message).toMatch(/a different result for req-9 was already admitted/)
      // A result with a key the closed schema does not know is refused before admission.
      const extra = yield* Effect.flip(seller.client.deliverResult(buyer.key.nodeId, target, { ...result, request_id: "req-10", ...{ surprise: 1 } }))
      expect(extra._tag === "PeerRefused" && [extra.status, extra.error]).toEqual([400, "BadRequest"])
    }))

  live("a lost delivery is recovered by polling the seller", () =>
    Effect.gen(function*() {
      const { buyer, seller, sellerOffers } = yield* twoNodes((key) => [signedOffer(key, "offer:adam-news-01", Date.now())], { deliver: false })
      const dispatch = dispatchOf(buyer, seller.key, "req-lost", sellerOffers[0] ?? {})
      yield* buyer.client.dispatch(seller.key.nodeId, dispatch)
      expect(Option.isNone(yield* buyer.client.orderStatus(seller.key.nodeId, "req-unknown"))).toBe(true)
      const admission = yield* recoverResult(seller.key.nodeId, "req-lost", Schedule.spaced("20 millis").pipe(Schedule.upTo("20 seconds"))).pipe(
        Effect.provide(buyer.context)
      )
      expect(admission).toBe("admitted")
      expect(yield* buyer.awaitResult("req-lost")).toMatchObject({ request_id: "req-lost", status: "completed" })
    }))
})
