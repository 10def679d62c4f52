/**
 * The node's signing identity: an Ed25519 key pair kept in the data folder (mode 0600), created on
 * first start. Modules never see it (Proposal 020: "they do not receive host private keys"); the
 * host signs what modules shaped, after validating it. Signatures are SETTLEMENT.md decision 3's:
 * Ed25519 over `<domain> 0x00 ‖ deterministic CBOR of the document without its signature`, the value
 * base64url; the signer's did:key travels beside it so a verifier fetches no key.
 */
import { Context, Data, Effect, Layer } from "effect"
import * as Crypto from "node:crypto"
import * as Path from "node:path"
import { loadOrCreateKey } from "./KeyFile.js"
import { sign as signArtifact, verify as verifyArtifact } from "./settlement/ArtifactSignature.js"
import { NotEncodable } from "./settlement/DeterministicCbor.js"
import { didOf } from "./settlement/DidKey.js"

/** The domain of node-signed documents that name none (the catalog's host-shaped offers). */
export const NODE_DOCUMENT_DOMAIN = "orbiplex-node-document-v1"

/** A detached signature (decision 3) with the did:key that made it. */
export interface Signature {
  readonly alg: "ed25519"
  readonly signer: string
  readonly value: string
}

/** The key file could not be read or written. */
export class IdentityUnavailable extends Data.TaggedError("IdentityUnavailable")<{
  readonly file: string
  readonly reason: string
}> {
  get message(): string {
    return `cannot use the node key ${this.file}: ${this.reason} (check node.data_dir is writable)`
  }
}

/** The node's identity and signing. */
export class NodeIdentity extends Context.Tag("orbiplex/NodeIdentity")<NodeIdentity, {
  /** `did:key:z6Mk…` derived from the public key. */
  readonly did: string
  /** Signs a document (its `signature` field left out) under `domain`; a document that is not plain JSON has none. */
  readonly sign: (document: Readonly<Record<string, unknown>>, domain?: string) => Signature | NotEncodable
  /** Checks a signature made by any Ed25519 did:key. */
  readonly verify: (document: Readonly<Record<string, unknown>>, signature: Signature, domain?: string) => boolean
}>() {}

/** Checks `signature` over `document` (under `domain`) by the did:key it names. */
export const verifySignature = (
  document: Readonly<Record<string, unknown>>,
  signature: Signature,
  domain: string = NODE_DOCUMENT_DOMAIN
): boolean => verifyArtifact(domain, document, signature.signer, signature) === undefined

/** Loads the key from `<dataDir>/node-key.pem`, creating it (0600) on first use. */
export const make = (dataDir: string) =>
  Effect.gen(function*() {
    const file = Path.join(dataDir, "node-key.pem")
    const privateKey = yield* Effect.tryPromise({
      try: () => loadOrCreateKey(file),
      catch: (error) => new IdentityUnavailable({ file, reason: error instanceof Error ? error.message : String(error) })
    })
    const did = didOf(Crypto.createPublicKey(privateKey))
    return NodeIdentity.of({
      did,
      sign: (document, domain = NODE_DOCUMENT_DOMAIN) => {
        const signature = signArtifact(domain, document, privateKey)
        return signature instanceof NotEncodable ? signature : { alg: "ed25519", signer: did, value: signature.value }
      },
      verify: verifySignature
    })
  })

/** The identity as a layer over `dataDir`. */
export const layer = (dataDir: string): Layer.Layer<NodeIdentity, IdentityUnavailable> => Layer.effect(NodeIdentity, make(dataDir))
