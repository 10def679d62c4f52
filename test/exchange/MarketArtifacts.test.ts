/**
 * Participants and signatures (SETTLEMENT.md decisions 2-4): each executor has its own persisted
 * participant key; offers are signed by their provider, orders by their buyer, in decision 3's form;
 * verification refuses tampered, expired, withdrawn and out-of-sequence artifacts with a reason.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, FastCheck, Schema } from "effect"
import * as Fs from "node:fs/promises"
import * as Os from "node:os"
import * as Path from "node:path"
import { ORDER_DOMAIN, OFFER_DOMAIN, verifyOffer, verifyOrder } from "../../src/exchange/MarketArtifacts.js"
import type { CatalogOffer } from "../../src/exchange/OfferCatalog.js"
import { inputChars, projectOffer, termsOf, unitsOf } from "../../src/exchange/OfferTerms.js"
import { BUYER, make as makeKeys } from "../../src/exchange/ParticipantKeys.js"
import { signedBytes } from "../../src/exchange/settlement/ArtifactSignature.js"
import { ServiceOffer } from "../../src/exchange/settlement/artifacts/ServiceOffer.js"
import { ServiceOrder } from "../../src/exchange/settlement/artifacts/ServiceOrder.js"

const tempDir = Effect.acquireRelease(
  Effect.promise(() => Fs.mkdtemp(Path.join(Os.tmpdir(), "orbiplex-participants-"))),
  (dir) => Effect.promise(() => Fs.rm(dir, { recursive: true, force: true }))
)

const NOW = Date.parse("2026-03-30T06:00:00Z")
const NODE = "node:did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"

const catalogOffer = (document: Record<string, unknown> = {}): CatalogOffer => ({
  offer_id: "offer:ola-redaction-01",
  provider_id: "local:dator-redaction",
  executor_id: "dator-redaction",
  service_type: "text/redaction",
  sequence: 3,
  issued_at_ms: NOW,
  expires_at_ms: NOW + 3_600_000,
  amount: 1000,
  currency: "ORC",
  max_depth: 3,
  document: {
    node_id: NODE,
    pricing: { amount: 1000, currency: "ORC", unit_kind: "chars", unit_size: 1800 },
    delivery: { max_duration_ms: 3_599_001 },
    queue: { auto_accept: false, max_depth: 3 },
    hybrid: true,
    model_first: true,
    constraints: { output: { format: "markdown" } },
    ...document
  }
})

const signedPair = Effect.gen(function*() {
  const keys = yield* makeKeys(yield* tempDir)
  const offer = catalogOffer()
  const terms = Either.getOrThrow(termsOf(offer))
  const provider = yield* keys.idOf("dator-redaction")
  const buyer = yield* keys.idOf(BUYER)
  const unsignedOffer = projectOffer(offer, terms, { nodeId: NODE, participantId: provider, currentDepth: 0 })
  const offerDoc = { ...unsignedOffer, signature: yield* keys.sign("dator-redaction", OFFER_DOMAIN, unsignedOffer) }
  const unsignedOrder = {
    "schema/v": 1, "order/id": "order:wf-1:redact-1:1", "created-at": "2026-03-30T06:01:00Z",
    "buyer/node-id": NODE, "buyer/subject-kind": "participant", "buyer/subject-id": buyer,
    "provider/node-id": NODE, "provider/participant-id": provider, "offer/id": offer.offer_id, "offer/seq": 3,
    "service/type": "text/redaction", "request/units": 1, "request/input": { text: "Ala ma kota" },
    "pricing/max-amount": 1000, "pricing/currency": "ORC"
  }
  const orderDoc = { ...unsignedOrder, signature: yield* keys.sign(BUYER, ORDER_DOMAIN, unsignedOrder) }
  return { keys, offerDoc, orderDoc, provider, buyer }
})

describe("participant keys", () => {
  it.scopedLive("one persisted Ed25519 key per participant, mode 0600, the same id after a restart", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const first = yield* makeKeys(dir)
      const news = yield* first.idOf("dator-news")
      const redaction = yield* first.idOf("dator-redaction")
      const buyer = yield* first.idOf(BUYER)
      expect(news).toMatch(/^participant:did:key:z6Mk/)
      expect(new Set([news, redaction, buyer]).size).toBe(3)
      const again = yield* makeKeys(dir)
      expect(yield* again.idOf("dator-news")).toBe(news)
      const stat = yield* Effect.promise(() => Fs.stat(Path.join(dir, "participants", "dator-news.pem")))
      expect(stat.mode & 0o777).toBe(0o600)
    }))
})

describe("offer terms (decision 4)", () => {
  it("maps chars + unit_size to per-character-block and rounds durations up to seconds", () => {
    const offer = catalogOffer()
    const terms = Either.getOrThrow(termsOf(offer))
    expect(terms).toMatchObject({ unitKind: "per-character-block", unitSize: 1800, unitLabel: "1800 input characters", maxDurationSec: 3600, autoAccept: false })
    expect(Either.isLeft(termsOf(catalogOffer({ pricing: { amount: 1, currency: "ORC", unit_kind: "tokens" } })))).toBe(true)
  })

  it.prop("per-character-block charges ceil(chars / unit size) blocks, at least one", [FastCheck.string({ maxLength: 5000 })], ([text]) => {
    const terms = Either.getOrThrow(termsOf(catalogOffer()))
    const chars = inputChars({ text })
    expect(unitsOf(terms, 7, { text })).toBe(Math.max(1, Math.ceil(chars / 1800)))
  })

  it("per-item charges the units ordered", () => {
    const terms = Either.getOrThrow(termsOf(catalogOffer({ pricing: { amount: 200, currency: "ORC", unit_kind: "item" } })))
    expect(unitsOf(terms, 3, { text: "x".repeat(10_000) })).toBe(3)
  })
})

describe("signed offers and orders (decision 3)", () => {
  it.scopedLive("an offer signed by its provider and an order by its buyer decode and verify", () =>
    Effect.gen(function*() {
      const { buyer, offerDoc, orderDoc, provider } = yield* signedPair
      expect(Schema.is(ServiceOffer)(offerDoc)).toBe(true)
      expect(Schema.is(ServiceOrder)(orderDoc)).toBe(true)
      expect(offerDoc.signature).toEqual({ alg: "ed25519", value: expect.stringMatching(/^[A-Za-z0-9_-]{86}$/) })
      const offer = Either.getOrThrow(verifyOffer(offerDoc, { now: NOW }))
      expect(offer["provider/participant-id"]).toBe(provider)
      expect(offer["pricing/unit-kind"]).toBe("per-character-block")
      const order = Either.getOrThrow(verifyOrder(orderDoc, offer))
      expect(order["buyer/subject-id"]).toBe(buyer)
      // The signed bytes are `<domain> 0x00 ‖ CBOR`: the offer's signature does not verify as an order's.
      const bytes = signedBytes(OFFER_DOMAIN, offerDoc)
      expect(bytes instanceof Uint8Array && Buffer.from(bytes).subarray(0, OFFER_DOMAIN.length + 1).toString("latin1")).toBe(`${OFFER_DOMAIN}\x00`)
    }))

  it.scopedLive("refuses a tampered, expired, withdrawn or out-of-sequence offer, each with its reason", () =>
    Effect.gen(function*() {
      const { offerDoc } = yield* signedPair
      const reason = (document: unknown, admittedSequence?: number, now = NOW) =>
        Either.match(verifyOffer(document, { now, ...(admittedSequence === undefined ? {} : { admittedSequence }) }), {
          onLeft: (refused) => refused.reason,
          onRight: () => "verified"
        })
      expect(reason({ ...offerDoc, "pricing/amount": 1 })).toBe("signature-invalid")
      expect(reason({ ...offerDoc, "offer/status": "withdrawn" })).toBe("signature-invalid")
      expect(reason(offerDoc, undefined, NOW + 3_600_000)).toBe("offer-expired")
      expect(reason(offerDoc, 3)).toBe("out-of-sequence")
      expect(reason(offerDoc, 2)).toBe("verified")
      expect(reason({ ...offerDoc, "sequence/no": 0 })).toBe("schema-invalid")
      const refused = verifyOffer({ ...offerDoc, "pricing/amount": 1 }, { now: NOW })
      expect(Either.isLeft(refused) && refused.left.message).toContain("was changed after")
    }))

  it.scopedLive("a withdrawal signed by the provider at a higher sequence is refused as withdrawn", () =>
    Effect.gen(function*() {
      const { keys, offerDoc } = yield* signedPair
      const { signature: _old, ...body } = offerDoc
      const withdrawn = { ...body, "offer/status": "withdrawn", "sequence/no": 4 }
      const document = { ...withdrawn, signature: yield* keys.sign("dator-redaction", OFFER_DOMAIN, withdrawn) }
      const result = verifyOffer(document, { now: NOW, admittedSequence: 3 })
      expect(Either.isLeft(result) && result.left.reason).toBe("offer-withdrawn")
    }))

  it.scopedLive("refuses a tampered order, one signed by another participant, and one against another offer sequence", () =>
    Effect.gen(function*() {
      const { keys, offerDoc, orderDoc } = yield* signedPair
      const offer = Either.getOrThrow(verifyOffer(offerDoc, { now: NOW }))
      const reason = (document: unknown) => Either.match(verifyOrder(document, offer), { onLeft: (r) => r.reason, onRight: () => "verified" })
      expect(reason({ ...orderDoc, "request/units": 9 })).toBe("signature-invalid")
      const { signature: _sig, ...body } = orderDoc
      expect(reason({ ...body, signature: yield* keys.sign("dator-news", ORDER_DOMAIN, body) })).toBe("signature-invalid")
      const stale = { ...body, "offer/seq": 2 }
      expect(reason({ ...stale, signature: yield* keys.sign(BUYER, ORDER_DOMAIN, stale) })).toBe("offer-seq-mismatch")
    }))

  it.effect.prop(
    "changing any signed field of an offer breaks its signature",
    [FastCheck.constantFrom("service/type", "pricing/amount", "expires-at", "queue/max-depth", "provider/node-id", "hybrid")],
    ([key]) =>
      Effect.scoped(Effect.gen(function*() {
        const { offerDoc } = yield* signedPair
        const fields: Readonly<Record<string, unknown>> = offerDoc
        const value = fields[key]
        const changed = typeof value === "number" ? value + 1 : typeof value === "boolean" ? !value : key === "expires-at" ? "2026-03-30T08:00:00Z" : `${String(value)}x`
        const result = verifyOffer({ ...offerDoc, [key]: changed }, { now: NOW })
        expect(Either.isLeft(result) ? result.left.reason : "verified").toMatch(/signature-invalid|schema-invalid/)
      })),
    { fastCheck: { numRuns: 6 } }
  )
})
