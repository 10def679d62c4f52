/**
 * The community pool's subjects (SETTLEMENT.md decision 9): an `org` that owns the pool and a
 * `council` that controls its disbursements, each an Ed25519 key generated on first use and kept
 * in the data folder (mode 0600) beside the node key, so the council can sign disbursements later.
 */
import { Effect } from "effect"
import * as Crypto from "node:crypto"
import * as Fs from "node:fs/promises"
import * as Path from "node:path"
import { didOf } from "./DidKey.js"
import { LedgerUnavailable } from "./LedgerErrors.js"

/** The pool's owner and controller ids. */
export interface PoolIdentity {
  readonly ownerId: string
  readonly controllerId: string
}

const keyId = (dataDir: string, file: string, role: string) =>
  Effect.tryPromise({
    try: async () => {
      const path = Path.join(dataDir, file)
      await Fs.mkdir(dataDir, { recursive: true })
      const existing = await Fs.readFile(path, "utf8").catch(() => undefined)
      const privateKey = existing === undefined
        ? await (async () => {
          const pair = Crypto.generateKeyPairSync("ed25519")
          await Fs.writeFile(path, pair.privateKey.export({ format: "pem", type: "pkcs8" }), { mode: 0o600, flag: "wx" })
          return pair.privateKey
        })()
        : Crypto.createPrivateKey(existing)
      return `${role}:${didOf(Crypto.createPublicKey(privateKey))}`
    },
    catch: (error) =>
      new LedgerUnavailable({
        operation: `pool ${role} key`,
        reason: `${Path.join(dataDir, file)}: ${error instanceof Error ? error.message : String(error)} (check node.data_dir is writable)`
      })
  })

/** Loads (or creates) the pool's org and council keys in `dataDir`. */
export const loadPoolIdentity = (dataDir: string): Effect.Effect<PoolIdentity, LedgerUnavailable> =>
  Effect.all({
    ownerId: keyId(dataDir, "pool-org-key.pem", "org"),
    controllerId: keyId(dataDir, "pool-council-key.pem", "council")
  })
