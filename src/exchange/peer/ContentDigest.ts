/**
 * `Content-Digest` (RFC 9530): the digest of a message's content, as a Structured Fields
 * dictionary `sha-256=:<base64>:`. Peers send sha-256; a received sha-512 is checked as well.
 */
import * as Crypto from "node:crypto"

const ALGORITHMS: Readonly<Record<string, string>> = { "sha-256": "sha256", "sha-512": "sha512" }

/** `sha-256=:…:` of `body`. */
export const contentDigest = (body: Uint8Array): string =>
  `sha-256=:${Crypto.createHash("sha256").update(body).digest("base64")}:`

/** Why `header` does not match `body`, or `undefined` when every digest we know matches. */
export const checkContentDigest = (header: string, body: Uint8Array): string | undefined => {
  let known = 0
  for (const member of header.split(",")) {
    const match = /^\s*([a-z0-9-]+)=:([A-Za-z0-9+/]*={0,2}):\s*$/.exec(member)
    if (match?.[1] === undefined || match[2] === undefined) return `Content-Digest member "${member.trim()}" is not algorithm=:base64:`
    const algorithm = ALGORITHMS[match[1]]
    if (algorithm === undefined) continue
    known++
    const actual = Crypto.createHash(algorithm).update(body).digest("base64")
    if (actual !== match[2]) return `the ${match[1]} Content-Digest does not match the body`
  }
  return known === 0 ? "Content-Digest names no sha-256 or sha-512 digest" : undefined
}
