/**
 * The `peer` and `peers` config sections (SETTLEMENT.md "Transport between nodes"): where this node
 * answers other nodes (any address: peers are remote, unlike the loopback-only operator API), how
 * far a peer's clock may drift, how often peers' catalogs are pulled, and the peers themselves.
 */
import { Effect, ParseResult, Schema } from "effect"
import { DurationMillis } from "../contract/DurationString.js"

/** A decoded `host:port` the peer server binds; any host, port 0 picks a free one. */
export interface PeerListenAddress {
  readonly host: string
  readonly port: number
}

const parse = (text: string): Effect.Effect<PeerListenAddress, string> => {
  // `[::]:7443` carries an IPv6 host in brackets; everything else is `host:port`.
  const match = /^\[([^\]]+)\]:(\d+)$/.exec(text.trim()) ?? /^([^:[\]]+):(\d+)$/.exec(text.trim())
  const host = match?.[1]
  const port = Number(match?.[2])
  if (host === undefined) return Effect.fail(`"${text}" is not a host:port address: write e.g. "0.0.0.0:7443" or "10.0.0.5:7443"`)
  if (!Number.isInteger(port) || port < 0 || port > 65_535) return Effect.fail(`"${text}": the port is out of range: use 0-65535`)
  return Effect.succeed({ host, port })
}

/** `"0.0.0.0:7443"` ⇄ `{ host, port }`. */
export const PeerListenAddress: Schema.Schema<PeerListenAddress, string> = Schema.transformOrFail(
  Schema.String,
  Schema.Struct({ host: Schema.String, port: Schema.Int.pipe(Schema.between(0, 65_535)) }),
  {
    strict: true,
    decode: (text, _, ast) => Effect.mapError(parse(text), (message) => new ParseResult.Type(ast, text, message)),
    encode: ({ host, port }) => ParseResult.succeed(host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`)
  }
).annotations({ identifier: "PeerListenAddress" })

/** `node:did:key:z…`: a node id, whose Ed25519 public key is inside it. */
export const PeerNodeId = Schema.String.pipe(
  Schema.pattern(/^node:did:key:z[1-9A-HJ-NP-Za-km-z]+$/, {
    message: () => "must be a node id such as \"node:did:key:z6Mk…\" (the peer's `orbiplex status` shows it)"
  })
)

/** An `http://` or `https://` base URL, without a trailing slash. */
export const PeerUrl = Schema.String.pipe(
  Schema.filter((text) => {
    if (!URL.canParse(text)) return `"${text}" is not a URL: write e.g. "http://10.0.0.7:7443"`
    const url = new URL(text)
    if (url.protocol !== "http:" && url.protocol !== "https:") return `"${text}" must be an http:// or https:// URL`
    return url.search === "" && url.hash === "" || `"${text}" must be a base URL without query or fragment`
  })
)

/** One entry of `peers`: a node this node trades with. */
export const PeerEntry = Schema.Struct({
  node_id: PeerNodeId,
  url: PeerUrl,
  /** On the operator's whitelist: its offers are admitted as `whitelisted`, not only `known-peer`. */
  trusted: Schema.optionalWith(Schema.Boolean, { default: () => false })
}).annotations({ identifier: "PeerEntry" })
/** A decoded peer entry. */
export type PeerEntry = typeof PeerEntry.Type

/** The `peers` section, each node id at most once. */
export const PeersConfig = Schema.Array(PeerEntry).pipe(
  Schema.filter((peers) => {
    const seen = new Set<string>()
    for (const peer of peers) {
      if (seen.has(peer.node_id)) return `${peer.node_id} is listed twice in "peers": keep one entry`
      seen.add(peer.node_id)
    }
    return true
  })
).annotations({ identifier: "PeersConfig" })
/** The decoded `peers` section. */
export type PeersConfig = typeof PeersConfig.Type

const WILDCARD_HOSTS: ReadonlySet<string> = new Set(["0.0.0.0", "::", "[::]"])

/** Where peers reach this node: `public_url`, else its listen address; none when it does not listen. */
export const publicUrlOf = (peer: PeerConfig): string | undefined =>
  peer.public_url ?? (peer.listen === undefined
    ? undefined
    : `http://${peer.listen.host.includes(":") ? `[${peer.listen.host}]` : peer.listen.host}:${peer.listen.port}`)

/** The `peer` section; the peer server is off unless `listen` is set. */
export const PeerConfig = Schema.Struct({
  listen: Schema.optionalWith(PeerListenAddress, { exact: true }),
  /** The base URL peers reach this node at (results are delivered there); default: `http://<listen>`. */
  public_url: Schema.optionalWith(PeerUrl, { exact: true }),
  /** How far a message's `created` may be from this node's clock, either way. */
  clock_skew: Schema.optionalWith(DurationMillis.pipe(Schema.filter((ms) => ms >= 1_000 || "must be at least 1s")), {
    default: () => 60_000
  }),
  /** How often every peer's offer catalog is pulled again (it is also pulled at start). */
  catalog_refresh: Schema.optionalWith(DurationMillis.pipe(Schema.filter((ms) => ms >= 1_000 || "must be at least 1s")), {
    default: () => 300_000
  }),
  /** The bound of one request to a peer. */
  request_timeout: Schema.optionalWith(DurationMillis.pipe(Schema.filter((ms) => ms >= 100 || "must be at least 100ms")), {
    default: () => 10_000
  })
}).pipe(
  Schema.filter((peer) =>
    peer.listen === undefined || peer.public_url !== undefined || !WILDCARD_HOSTS.has(peer.listen.host) || {
      path: ["public_url"],
      message: `listen ${peer.listen.host} is every interface, so peers cannot be told where to deliver results: set "public_url", e.g. "http://10.0.0.5:${peer.listen.port}"`
    }
  )
).annotations({ identifier: "PeerConfig" })
/** The decoded `peer` section. */
export type PeerConfig = typeof PeerConfig.Type

/** Every default: no server, 60 s skew, catalogs pulled every 5 min, 10 s per request. */
export const defaultPeer: PeerConfig = Schema.decodeSync(PeerConfig)({})
