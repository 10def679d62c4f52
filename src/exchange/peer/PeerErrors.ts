/**
 * What can go wrong between nodes, as seen by the node that asked: each error names the peer, the
 * route and what to do.
 */
import { Schema } from "effect"

/** The peer is not in this node's `peers` config. */
export class UnknownPeer extends Schema.TaggedError<UnknownPeer>()("UnknownPeer", {
  node_id: Schema.String,
  known: Schema.Array(Schema.String)
}) {
  override get message(): string {
    return `${this.node_id} is not in this node's "peers" config (known: ${this.known.join(", ") || "none"}): ` +
      `add {"node_id": "${this.node_id}", "url": "http://…"} to "peers"`
  }
}

/** No answer from the peer (connection refused, timeout, reset). */
export class PeerUnreachable extends Schema.TaggedError<PeerUnreachable>()("PeerUnreachable", {
  node_id: Schema.String,
  url: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `peer ${this.node_id} did not answer at ${this.url}: ${this.reason} (is it running, and is "url" in "peers" right?)`
  }
}

/** The peer answered with an error status and body. */
export class PeerRefused extends Schema.TaggedError<PeerRefused>()("PeerRefused", {
  node_id: Schema.String,
  url: Schema.String,
  status: Schema.Number,
  error: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    const hint = this.status === 403
      ? `: add this node to the "peers" of ${this.node_id}`
      : this.status === 401
      ? ": check both nodes' clocks and that the peer's configured node_id matches this node's key"
      : ""
    return `peer ${this.node_id} refused ${this.url} with ${this.status} ${this.error}: ${this.reason}${hint}`
  }
}

/** The peer's answer could not be trusted or read: bad signature, wrong signer, or a body off its schema. */
export class PeerAnswerInvalid extends Schema.TaggedError<PeerAnswerInvalid>()("PeerAnswerInvalid", {
  node_id: Schema.String,
  url: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `the answer of peer ${this.node_id} to ${this.url} was discarded: ${this.reason}`
  }
}

/** A different result was already admitted for this request (409). */
export class ResultConflict extends Schema.TaggedError<ResultConflict>()("ResultConflict", {
  request_id: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `a different result for ${this.request_id} was already admitted: ${this.reason}. The first one stands; ` +
      `look at the seller's GET /v1/peer/service-orders/${this.request_id} to compare`
  }
}

/** Any failure of a call to a peer. */
export type PeerCallError = UnknownPeer | PeerUnreachable | PeerRefused | PeerAnswerInvalid
