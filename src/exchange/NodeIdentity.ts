/**
 * The node's signing identity: an Ed25519 key pair kept in the data folder (mode 0600), created on
 * first start. Modules never see it (Proposal 020: "they do not receive host private keys"); the
 * host signs what modules shaped, after validating it.
 */
import { Context, Data, Effect, Layer } from "effect"
import * as Crypto from "node:crypto"
import * as Fs from "node:fs/promises"
import * as Path from "node:path"
import { canonicalJson } from "../resilience/CanonicalJson.js"

/** A detached signature over the canonical JSON of a document without its `signature` field. */
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
  /** Signs a JSON document (its `signature` field, if any, is left out of what is signed). */
  readonly sign: (document: Readonly<Record<string, unknown>>) => Signature
  /** Checks a signature made by any Ed25519 did:key. */
  readonly verify: (document: Readonly<Record<string, unknown>>, signature: Signature) => boolean
}>() {}

const BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

const base58 = (bytes: Uint8Array): string => {
  let value = BigInt("0x" + (Buffer.from(bytes).toString("hex") || "0"))
  let text = ""
  while (value > 0n) {
    text = BASE58[Number(value % 58n)] + text
    value /= 58n
  }
  for (const byte of bytes) {
    if (byte !== 0) break
    text = "1" + text
  }
  return text
}

const decodeBase58 = (text: string): Uint8Array => {
  let value = 0n
  for (const char of text) value = value * 58n + BigInt(BASE58.indexOf(char))
  const hex = value.toString(16)
  const bytes = Buffer.from(hex.length % 2 === 0 ? hex : "0" + hex, "hex")
  const zeros = text.length - text.replace(/^1+/, "").length
  return Buffer.concat([Buffer.alloc(zeros), bytes])
}

// The multicodec prefix of an Ed25519 public key in a did:key (0xed 0x01).
const ED25519_PREFIX = Buffer.from([0xed, 0x01])
// DER prefix of an Ed25519 SubjectPublicKeyInfo; the raw 32-byte key follows it.
const SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex")

const didOf = (publicKey: Crypto.KeyObject): string => {
  const raw = publicKey.export({ format: "der", type: "spki" }).subarray(SPKI_PREFIX.length)
  return `did:key:z${base58(Buffer.concat([ED25519_PREFIX, raw]))}`
}

const publicKeyOf = (did: string): Crypto.KeyObject | undefined => {
  if (!did.startsWith("did:key:z")) return undefined
  const bytes = decodeBase58(did.slice("did:key:z".length))
  if (bytes.length !== 34 || bytes[0] !== 0xed || bytes[1] !== 0x01) return undefined
  return Crypto.createPublicKey({ key: Buffer.concat([SPKI_PREFIX, bytes.subarray(2)]), format: "der", type: "spki" })
}

const signedBytes = (document: Readonly<Record<string, unknown>>): Buffer => {
  const { signature: _signature, ...rest } = document
  return Buffer.from(canonicalJson(rest), "utf8")
}

/** Checks `signature` over `document` by the did:key it names. */
export const verifySignature = (document: Readonly<Record<string, unknown>>, signature: Signature): boolean => {
  const key = publicKeyOf(signature.signer)
  if (key === undefined || signature.alg !== "ed25519") return false
  return Crypto.verify(null, signedBytes(document), key, Buffer.from(signature.value, "base64"))
}

/** Loads the key from `<dataDir>/node-key.pem`, creating it (0600) on first use. */
export const make = (dataDir: string) =>
  Effect.gen(function*() {
    const file = Path.join(dataDir, "node-key.pem")
    const privateKey = yield* Effect.tryPromise({
      try: async () => {
        await Fs.mkdir(dataDir, { recursive: true })
        const existing = await Fs.readFile(file, "utf8").catch(() => undefined)
        if (existing !== undefined) return Crypto.createPrivateKey(existing)
        const pair = Crypto.generateKeyPairSync("ed25519")
        await Fs.writeFile(file, pair.privateKey.export({ format: "pem", type: "pkcs8" }), { mode: 0o600, flag: "wx" })
        return pair.privateKey
      },
      catch: (error) => new IdentityUnavailable({ file, reason: error instanceof Error ? error.message : String(error) })
    })
    const did = didOf(Crypto.createPublicKey(privateKey))
    return NodeIdentity.of({
      did,
      sign: (document) => ({
        alg: "ed25519",
        signer: did,
        value: Crypto.sign(null, signedBytes(document), privateKey).toString("base64")
      }),
      verify: verifySignature
    })
  })

/** The identity as a layer over `dataDir`. */
export const layer = (dataDir: string): Layer.Layer<NodeIdentity, IdentityUnavailable> => Layer.effect(NodeIdentity, make(dataDir))
