import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Fs from "node:fs/promises"
import * as Os from "node:os"
import * as Path from "node:path"
import { make, NODE_DOCUMENT_DOMAIN, type Signature, verifySignature } from "../../src/exchange/NodeIdentity.js"
import { verify } from "../../src/exchange/settlement/ArtifactSignature.js"
import { NotEncodable } from "../../src/exchange/settlement/DeterministicCbor.js"

const tempDir = Effect.acquireRelease(
  Effect.promise(() => Fs.mkdtemp(Path.join(Os.tmpdir(), "orbiplex-identity-"))),
  (dir) => Effect.promise(() => Fs.rm(dir, { recursive: true, force: true }))
)

const signed = (signature: Signature | NotEncodable): Signature => {
  if (signature instanceof NotEncodable) throw new Error(signature.reason)
  return signature
}

describe("NodeIdentity", () => {
  it.scopedLive("signs in decision 3's form (domain, 0x00, deterministic CBOR), and refuses tampered documents", () =>
    Effect.gen(function*() {
      const identity = yield* make(yield* tempDir)
      const offer = { offer_id: "o1", price: { amount: 3, currency: "ORC" }, service_type: "redaction" }
      const signature = signed(identity.sign(offer))
      expect(signature.signer).toBe(identity.did)
      expect(signature.value).toMatch(/^[A-Za-z0-9_-]{86}$/)
      expect(identity.did).toMatch(/^did:key:z6Mk/)
      expect(verifySignature({ ...offer, signature }, signature)).toBe(true)
      // The same bytes an artifact verifier checks: the domain is part of what is signed.
      expect(verify(NODE_DOCUMENT_DOMAIN, offer, identity.did, signature)).toBeUndefined()
      expect(verifySignature(offer, signature, "orbiplex-service-offer-v1")).toBe(false)
      expect(verifySignature({ ...offer, price: { amount: 1, currency: "ORC" } }, signature)).toBe(false)
      // Key order does not matter: deterministic CBOR sorts map keys.
      expect(verifySignature({ service_type: "redaction", price: { currency: "ORC", amount: 3 }, offer_id: "o1" }, signature)).toBe(true)
      const inDomain = signed(identity.sign(offer, "orbiplex-service-offer-v1"))
      expect(verifySignature(offer, inDomain, "orbiplex-service-offer-v1")).toBe(true)
    }))

  it.scopedLive("keeps one key per data folder, private to the owner", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const first = yield* make(dir)
      const second = yield* make(dir)
      expect(second.did).toBe(first.did)
      const stat = yield* Effect.promise(() => Fs.stat(Path.join(dir, "node-key.pem")))
      expect(stat.mode & 0o777).toBe(0o600)
    }))

  it("refuses a signature from a signer that is not a did:key", () => {
    expect(verifySignature({ a: 1 }, { alg: "ed25519", signer: "someone", value: "AAAA" })).toBe(false)
  })
})
