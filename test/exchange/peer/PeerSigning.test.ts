import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, FastCheck, TestClock } from "effect"
import * as Crypto from "node:crypto"
import type { MessageParts, RequestParts } from "../../../src/exchange/peer/MessageSignature.js"
import { fromPrivateKey } from "../../../src/exchange/peer/PeerKey.js"
import { signRequest, signResponse, verifyMessage } from "../../../src/exchange/peer/PeerSigning.js"
import * as ReplayCache from "../../../src/exchange/peer/ReplayCache.js"

const alice = fromPrivateKey(Crypto.generateKeyPairSync("ed25519").privateKey)
const SKEW = 60_000

const requestParts = (method: string, url: URL, headers: Readonly<Record<string, string>>): RequestParts => ({
  method,
  url,
  header: (name) => headers[name]
})

/** Signs a POST of `body` to `url` and returns what a receiver would see. */
const signedPost = (url: URL, body: Uint8Array) =>
  Effect.map(signRequest(alice, { method: "POST", url, body: { bytes: body, contentType: "application/json" } }), (headers) => ({
    headers,
    message: { _tag: "request", request: requestParts("POST", url, headers) } satisfies MessageParts
  }))

const verifyWith = (replay: ReplayCache.ReplayCache, message: MessageParts, headers: Readonly<Record<string, string>>, body: Uint8Array) =>
  Effect.either(verifyMessage(message, (name) => headers[name], body, { skewMs: SKEW, replay, admit: () => undefined }))

describe("the peer signature profile", () => {
  it.effect("verifies a signed request and names its sender; refuses the same nonce again", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(1_800_000_000_000)
      const replay = yield* ReplayCache.make(100)
      const body = Buffer.from("{\"a\":1}")
      const { headers, message } = yield* signedPost(new URL("http://127.0.0.2:7443/v1/peer/service-orders"), body)
      expect(headers["signature-input"]).toMatch(/^orbiplex=\("@method" "@authority" "@path" "content-digest" "content-type"\);created=1800000000;keyid="node:did:key:z6Mk[^"]+";alg="ed25519";nonce="[^"]+"$/)
      expect(yield* verifyWith(replay, message, headers, body)).toEqual(Either.right(alice.nodeId))
      const again = yield* verifyWith(replay, message, headers, body)
      expect(Either.isLeft(again) && again.left.kind).toBe("replayed")
    }))

  it.effect("refuses a signature created beyond the skew, either way", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(1_800_000_000_000)
      const replay = yield* ReplayCache.make(100)
      const body = Buffer.from("{}")
      const old = yield* signedPost(new URL("http://127.0.0.2:7443/x"), body)
      yield* TestClock.adjust(SKEW + 1_000)
      const late = yield* verifyWith(replay, old.message, old.headers, body)
      expect(Either.isLeft(late) && late.left.kind).toBe("stale")
      const ahead = yield* signedPost(new URL("http://127.0.0.2:7443/x"), body)
      yield* TestClock.setTime(1_800_000_000_000)
      const early = yield* verifyWith(replay, ahead.message, ahead.headers, body)
      expect(Either.isLeft(early) && early.left.reason).toMatch(/ahead, beyond the allowed clock skew/)
    }))

  it.effect("refuses an unsigned message, an unlisted sender, a changed path and a response to another route", () =>
    Effect.gen(function*() {
      const replay = yield* ReplayCache.make(100)
      const body = Buffer.from("{}")
      const url = new URL("http://127.0.0.2:7443/v1/peer/service-orders")
      const { headers, message } = yield* signedPost(url, body)
      const unsigned = yield* verifyWith(replay, message, { "content-type": "application/json" }, body)
      expect(Either.isLeft(unsigned) && unsigned.left.kind).toBe("unsigned")
      const unlisted = yield* Effect.either(verifyMessage(message, (name) => headers[name], body, { skewMs: SKEW, replay, admit: () => "not on the list" }))
      expect(Either.isLeft(unlisted) && unlisted.left.kind).toBe("unknown-peer")
      const moved = { _tag: "request", request: requestParts("POST", new URL("http://127.0.0.2:7443/v1/peer/other"), headers) } satisfies MessageParts
      const wrongPath = yield* verifyWith(replay, moved, headers, body)
      expect(Either.isLeft(wrongPath) && wrongPath.left.kind).toBe("bad-signature")

      const request = requestParts("POST", url, {})
      const answer = Buffer.from("{\"ok\":true}")
      const responseHeaders = yield* signResponse(alice, { status: 202, body: { bytes: answer, contentType: "application/json" }, request })
      const response = (path: string, status: number): MessageParts => ({
        _tag: "response",
        response: { status, header: (name) => responseHeaders[name], request: requestParts("POST", new URL(`http://127.0.0.2:7443${path}`), {}) }
      })
      expect(yield* verifyWith(replay, response("/v1/peer/service-orders", 202), responseHeaders, answer)).toEqual(Either.right(alice.nodeId))
      const otherRoute = yield* verifyWith(yield* ReplayCache.make(10), response("/v1/peer/service-orders/results", 202), responseHeaders, answer)
      expect(Either.isLeft(otherRoute) && otherRoute.left.kind).toBe("bad-signature")
      const otherStatus = yield* verifyWith(yield* ReplayCache.make(10), response("/v1/peer/service-orders", 200), responseHeaders, answer)
      expect(Either.isLeft(otherStatus) && otherStatus.left.kind).toBe("bad-signature")
    }))

  it.effect.prop(
    "any signed body verifies, and any one changed byte is refused by its digest",
    [FastCheck.uint8Array({ minLength: 1, maxLength: 512 }), FastCheck.nat(), FastCheck.integer({ min: 1, max: 255 })],
    ([bytes, at, flip]) =>
      Effect.gen(function*() {
        const body = Buffer.from(bytes)
        const { headers, message } = yield* signedPost(new URL("http://127.0.0.3:9/v1/peer/offer-catalog/fetch"), body)
        expect(Either.isRight(yield* verifyWith(yield* ReplayCache.make(10), message, headers, body))).toBe(true)
        const changed = Buffer.from(body)
        const index = at % changed.length
        changed[index] = (changed[index] ?? 0) ^ flip
        const refused = yield* verifyWith(yield* ReplayCache.make(10), message, headers, changed)
        expect(Either.isLeft(refused) && refused.left.kind).toBe("bad-digest")
      }),
    { fastCheck: { numRuns: 50 } }
  )
})

describe("ReplayCache", () => {
  it.effect("remembers a nonce until it expires on the Clock", () =>
    Effect.gen(function*() {
      const cache = yield* ReplayCache.make(10)
      expect(yield* cache.remember("k", 1_000)).toBe("fresh")
      expect(yield* cache.remember("k", 1_000)).toBe("replayed")
      yield* TestClock.adjust(1_000)
      expect(yield* cache.remember("k", 5_000)).toBe("fresh")
    }))

  it.effect("stays within its bound and refuses what an eviction could let through", () =>
    Effect.gen(function*() {
      const cache = yield* ReplayCache.make(3)
      for (const [key, expiry] of [["a", 100], ["b", 200], ["c", 300], ["d", 400]] as const) {
        expect(yield* cache.remember(key, expiry)).toBe("fresh")
      }
      expect(yield* cache.size).toBe(3)
      // "a" was evicted: its expiry is now the floor, so "a" again is refused, not forgotten.
      expect(yield* cache.remember("a", 100)).toBe("beyond-window")
      expect(yield* cache.remember("e", 500)).toBe("fresh")
      yield* TestClock.adjust(350)
      expect(yield* cache.remember("f", 900)).toBe("fresh")
      expect(yield* cache.size).toBeLessThanOrEqual(3)
    }))
})
