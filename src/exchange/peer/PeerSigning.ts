/**
 * The peer profile of HTTP Message Signatures: which components every request and response covers,
 * its parameters (`created`, `keyid` = the sender's node id, `alg="ed25519"`, a fresh `nonce`), and
 * the checks on receipt: the covered set, `Content-Digest` against the body, `created` within the
 * skew, the key named by the node id, the signature, and then the nonce (only a verified message
 * may occupy the replay cache).
 */
import { Clock, Data, Effect } from "effect"
import * as Crypto from "node:crypto"
import { publicKeyOf } from "../settlement/DidKey.js"
import { checkContentDigest, contentDigest } from "./ContentDigest.js"
import {
  type Component,
  type MessageParts,
  type Params,
  parseSignature,
  parseSignatureInput,
  type RequestParts,
  signatureBase,
  signatureInputMember,
  signatureMember,
  verifyEd25519
} from "./MessageSignature.js"
import type { PeerKey } from "./PeerKey.js"
import type { ReplayCache } from "./ReplayCache.js"

/** The signature label peers use. */
export const LABEL = "orbiplex"

const bodyComponents: ReadonlyArray<Component> = [{ name: "content-digest" }, { name: "content-type" }]
const requestBase: ReadonlyArray<Component> = [{ name: "@method" }, { name: "@authority" }, { name: "@path" }]
// A response names the request it answers, so it cannot be passed off as the answer to another route.
const responseBase: ReadonlyArray<Component> = [{ name: "@status" }, { name: "@method", req: true }, { name: "@path", req: true }]

/** Why a message's signature is refused. `unknown-peer` is a 403; everything else a 401. */
export class SignatureRefused extends Data.TaggedError("SignatureRefused")<{
  readonly kind: "unsigned" | "malformed" | "unknown-peer" | "stale" | "replayed" | "bad-digest" | "bad-signature"
  readonly reason: string
}> {
  override get message(): string {
    return this.reason
  }
}

/** A body as sent: its bytes and media type. */
export interface Body {
  readonly bytes: Uint8Array
  readonly contentType: string
}

const freshParams = (nodeId: string) =>
  Effect.map(Clock.currentTimeMillis, (now): Params => [
    ["created", Math.floor(now / 1_000)],
    ["keyid", nodeId],
    ["alg", "ed25519"],
    ["nonce", Crypto.randomBytes(16).toString("base64url")]
  ])

const signWith = (key: PeerKey["Type"], message: MessageParts, components: ReadonlyArray<Component>, params: Params) => {
  const built = signatureBase(message, components, params)
  // Every component we cover is one we set ourselves just before, so it is always there.
  const base = "base" in built ? built.base : ""
  return {
    "signature-input": signatureInputMember(LABEL, components, params),
    signature: signatureMember(LABEL, key.sign(Buffer.from(base, "utf8")))
  }
}

const headerLookup = (headers: Readonly<Record<string, string>>) => (name: string) => headers[name]

/** The headers to send with a request: `content-type` and `content-digest` with a body, and the signature. */
export const signRequest = (
  key: PeerKey["Type"],
  request: { readonly method: string; readonly url: URL; readonly body: Body | undefined }
): Effect.Effect<Record<string, string>> =>
  Effect.map(freshParams(key.nodeId), (params) => {
    const headers: Record<string, string> = request.body === undefined
      ? {}
      : { "content-type": request.body.contentType, "content-digest": contentDigest(request.body.bytes) }
    const components = request.body === undefined ? requestBase : [...requestBase, ...bodyComponents]
    const parts: RequestParts = { method: request.method, url: request.url, header: headerLookup(headers) }
    return { ...headers, ...signWith(key, { _tag: "request", request: parts }, components, params) }
  })

/** The headers to send with a response to `request`. */
export const signResponse = (
  key: PeerKey["Type"],
  response: { readonly status: number; readonly body: Body; readonly request: RequestParts }
): Effect.Effect<Record<string, string>> =>
  Effect.map(freshParams(key.nodeId), (params) => {
    const headers = { "content-type": response.body.contentType, "content-digest": contentDigest(response.body.bytes) }
    const parts = { status: response.status, header: headerLookup(headers), request: response.request }
    return { ...headers, ...signWith(key, { _tag: "response", response: parts }, [...responseBase, ...bodyComponents], params) }
  })

/** What the receiver checks against. */
export interface VerifyOptions {
  readonly skewMs: number
  readonly replay: ReplayCache
  /** `undefined` when the node id may send this message, else why not (answered as `unknown-peer`). */
  readonly admit: (nodeId: string) => string | undefined
}

const refuse = (kind: SignatureRefused["kind"], reason: string) => Effect.fail(new SignatureRefused({ kind, reason }))

// Decoding a did:key (base58 by BigInt, then a DER import) costs more than the Ed25519 check
// itself, and a node hears from few peers: keep the keys it has decoded.
const keys = new Map<string, ReturnType<typeof publicKeyOf>>()
const keyOf = (keyid: string) => {
  if (keys.has(keyid)) return keys.get(keyid)
  if (keys.size >= 1_024) keys.clear()
  const key = publicKeyOf(keyid)
  keys.set(keyid, key)
  return key
}

const param = (params: Params, key: string) => params.find(([name]) => name === key)?.[1]

const covers = (components: ReadonlyArray<Component>, wanted: Component) =>
  components.some((c) => c.name === wanted.name && (c.req === true) === (wanted.req === true))

/** Verifies a message's signature; succeeds with the sender's node id. */
export const verifyMessage = (
  message: MessageParts,
  header: (name: string) => string | undefined,
  body: Uint8Array,
  options: VerifyOptions
): Effect.Effect<string, SignatureRefused> =>
  Effect.gen(function*() {
    const inputText = header("signature-input")
    const signatureText = header("signature")
    if (inputText === undefined || signatureText === undefined) {
      return yield* refuse("unsigned", "the message carries no Signature-Input and Signature headers (RFC 9421): sign it with the node key")
    }
    const inputs = parseSignatureInput(inputText)
    if (typeof inputs === "string") return yield* refuse("malformed", `Signature-Input: ${inputs}`)
    const signatures = parseSignature(signatureText)
    if (typeof signatures === "string") return yield* refuse("malformed", `Signature: ${signatures}`)
    const input = inputs.get(LABEL)
    const signature = signatures.get(LABEL)
    if (input === undefined || signature === undefined) return yield* refuse("malformed", `no signature labelled "${LABEL}"`)

    const keyid = param(input.params, "keyid")
    const created = param(input.params, "created")
    const nonce = param(input.params, "nonce")
    if (typeof keyid !== "string") return yield* refuse("malformed", "the signature has no keyid (the sender's node id)")
    if (param(input.params, "alg") !== "ed25519") return yield* refuse("malformed", "the signature's alg must be \"ed25519\"")
    if (typeof created !== "number") return yield* refuse("malformed", "the signature has no created time")
    if (typeof nonce !== "string" || nonce.length < 8) return yield* refuse("malformed", "the signature has no nonce of at least 8 characters")

    const required = message._tag === "request" ? requestBase : responseBase
    const withBody = body.length > 0 ? [...required, ...bodyComponents] : required
    const uncovered = withBody.filter((wanted) => !covers(input.components, wanted))
    if (uncovered.length > 0) {
      return yield* refuse("malformed", `the signature does not cover ${uncovered.map((c) => c.name + (c.req === true ? ";req" : "")).join(", ")}`)
    }

    const notAdmitted = options.admit(keyid)
    if (notAdmitted !== undefined) return yield* refuse("unknown-peer", notAdmitted)
    const publicKey = keyOf(keyid)
    if (publicKey === undefined) return yield* refuse("malformed", `keyid ${keyid} is not a node:did:key with an Ed25519 key`)

    const digest = header("content-digest")
    if (body.length > 0 || digest !== undefined) {
      if (digest === undefined) return yield* refuse("bad-digest", "the message has a body but no Content-Digest (RFC 9530)")
      const wrong = checkContentDigest(digest, body)
      if (wrong !== undefined) return yield* refuse("bad-digest", wrong)
    }

    const now = yield* Clock.currentTimeMillis
    const drift = now - created * 1_000
    if (Math.abs(drift) > options.skewMs) {
      return yield* refuse(
        "stale",
        `the signature was created ${Math.round(drift / 1_000)} s ${drift > 0 ? "ago" : "ahead"}, beyond the allowed clock skew of ` +
          `${Math.round(options.skewMs / 1_000)} s: check both nodes' clocks (NTP)`
      )
    }

    const built = signatureBase(message, input.components, input.params)
    if ("missing" in built) return yield* refuse("malformed", `the message lacks the covered component ${built.missing}`)
    if (!verifyEd25519(built.base, signature, publicKey)) {
      return yield* refuse("bad-signature", `the signature does not verify with the key of ${keyid}`)
    }

    const verdict = yield* options.replay.remember(`${keyid} ${nonce}`, created * 1_000 + options.skewMs)
    if (verdict !== "fresh") {
      return yield* refuse("replayed", verdict === "replayed" ? `the nonce ${nonce} of ${keyid} was already used: a replayed message` : "the message is older than the replay window")
    }
    return keyid
  })
