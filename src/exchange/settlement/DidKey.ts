/**
 * Ed25519 did:key ids (`did:key:z6Mk…`) and the public keys inside them. NodeIdentity has the same
 * conversions as private helpers; these are exported because settlement verifies other nodes'
 * signatures (gateways) and makes pool identities.
 */
import * as Crypto from "node:crypto"

const BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
// The multicodec prefix of an Ed25519 public key in a did:key.
const ED25519_PREFIX = Buffer.from([0xed, 0x01])
// DER prefix of an Ed25519 SubjectPublicKeyInfo; the raw 32-byte key follows it.
const SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex")

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

const decodeBase58 = (text: string): Uint8Array | undefined => {
  let value = 0n
  for (const char of text) {
    const digit = BASE58.indexOf(char)
    if (digit < 0) return undefined
    value = value * 58n + BigInt(digit)
  }
  const hex = value === 0n ? "" : value.toString(16)
  const bytes = Buffer.from(hex.length % 2 === 0 ? hex : "0" + hex, "hex")
  const zeros = text.length - text.replace(/^1+/, "").length
  return Buffer.concat([Buffer.alloc(zeros), bytes])
}

/** `did:key:z…` of an Ed25519 public key. */
export const didOf = (publicKey: Crypto.KeyObject): string => {
  const raw = publicKey.export({ format: "der", type: "spki" }).subarray(SPKI_PREFIX.length)
  return `did:key:z${base58(Buffer.concat([ED25519_PREFIX, raw]))}`
}

/** The Ed25519 public key named by `did:key:z…` or `<role>:did:key:z…`, if it is one. */
export const publicKeyOf = (id: string): Crypto.KeyObject | undefined => {
  const at = id.indexOf("did:key:z")
  if (at < 0 || (at > 0 && id[at - 1] !== ":")) return undefined
  const bytes = decodeBase58(id.slice(at + "did:key:z".length))
  if (bytes === undefined || bytes.length !== 34 || bytes[0] !== 0xed || bytes[1] !== 0x01) return undefined
  try {
    return Crypto.createPublicKey({ key: Buffer.concat([SPKI_PREFIX, bytes.subarray(2)]), format: "der", type: "spki" })
  } catch {
    return undefined
  }
}
