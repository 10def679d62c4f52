/**
 * Signatures over settlement artifacts (SETTLEMENT.md decision 3): Ed25519 over
 * `<schema id> 0x00 ‖ deterministic CBOR of the artifact without its signature`, carried as
 * `{"alg": "ed25519", "value": "<base64url>"}`. The signer's key is the did:key inside its id.
 */
import * as Crypto from "node:crypto"
import { encode, NotEncodable } from "./DeterministicCbor.js"
import { publicKeyOf } from "./DidKey.js"

/** The domain separator of gateway receipts. */
export const GATEWAY_RECEIPT_DOMAIN = "orbiplex-gateway-receipt-v1"

/** The bytes a signature covers, or why the document has none. */
export const signedBytes = (domain: string, document: Readonly<Record<string, unknown>>): Uint8Array | NotEncodable => {
  const { signature: _signature, ...rest } = document
  const body = encode(rest)
  if (body instanceof NotEncodable) return body
  return Buffer.concat([Buffer.from(domain, "utf8"), Buffer.of(0), body])
}

/** Signs `document` (its `signature`, if any, left out) with `privateKey`. */
export const sign = (
  domain: string,
  document: Readonly<Record<string, unknown>>,
  privateKey: Crypto.KeyObject
): { readonly alg: "ed25519"; readonly value: string } | NotEncodable => {
  const bytes = signedBytes(domain, document)
  if (bytes instanceof NotEncodable) return bytes
  return { alg: "ed25519", value: Crypto.sign(null, bytes, privateKey).toString("base64url") }
}

/** Why a signature does not verify, or `undefined` when it does. */
export const verify = (
  domain: string,
  document: Readonly<Record<string, unknown>>,
  signerId: string,
  signature: { readonly alg: string; readonly value: string }
): string | undefined => {
  if (signature.alg !== "ed25519") return `signature alg ${signature.alg} is not ed25519`
  const key = publicKeyOf(signerId)
  if (key === undefined) return `${signerId} names no Ed25519 did:key`
  const bytes = signedBytes(domain, document)
  if (bytes instanceof NotEncodable) return `the document is not plain JSON (${bytes.reason})`
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(signature.value)) return "the signature value is not base64url"
  const value = Buffer.from(signature.value, "base64url")
  if (value.length !== 64) return "the signature value is not 64 bytes"
  return Crypto.verify(null, bytes, key, value) ? undefined : `the signature does not verify with the key of ${signerId}`
}
