/**
 * The node key the peer transport signs with: the same Ed25519 key NodeIdentity keeps in
 * `<data_dir>/node-key.pem` (NodeIdentity signs documents only, and the transport signs raw
 * signature bases), and the node id `node:did:key:z…` peers know this node by.
 */
import { Context, Data, Effect, Layer } from "effect"
import * as Crypto from "node:crypto"
import * as Path from "node:path"
import { loadOrCreateKey } from "../KeyFile.js"
import { didOf } from "../settlement/DidKey.js"

/** The key file could not be read or created. */
export class PeerKeyUnavailable extends Data.TaggedError("PeerKeyUnavailable")<{ readonly file: string; readonly reason: string }> {
  override get message(): string {
    return `cannot use the node key ${this.file} for the peer transport: ${this.reason} (check node.data_dir is writable)`
  }
}

/** The signing key of this node. */
export class PeerKey extends Context.Tag("orbiplex/PeerKey")<PeerKey, {
  /** `node:did:key:z…` */
  readonly nodeId: string
  /** Ed25519 over `bytes`. */
  readonly sign: (bytes: Uint8Array) => Uint8Array
}>() {}

/** The key service over a private key. */
export const fromPrivateKey = (privateKey: Crypto.KeyObject): PeerKey["Type"] =>
  PeerKey.of({
    nodeId: `node:${didOf(Crypto.createPublicKey(privateKey))}`,
    sign: (bytes) => Crypto.sign(null, bytes, privateKey)
  })

/** A fresh random key (tests, throwaway nodes). */
export const layerRandom: Layer.Layer<PeerKey> = Layer.sync(PeerKey, () =>
  fromPrivateKey(Crypto.generateKeyPairSync("ed25519").privateKey))

/** The key in `<dataDir>/node-key.pem`, created (0600) when absent, as NodeIdentity does. */
export const layerDataDir = (dataDir: string): Layer.Layer<PeerKey, PeerKeyUnavailable> =>
  Layer.effect(
    PeerKey,
    Effect.tryPromise({
      try: () => loadOrCreateKey(Path.join(dataDir, "node-key.pem")),
      catch: (error) =>
        new PeerKeyUnavailable({ file: Path.join(dataDir, "node-key.pem"), reason: error instanceof Error ? error.message : String(error) })
    }).pipe(Effect.map(fromPrivateKey))
  )
