/**
 * The community pool's subjects (SETTLEMENT.md decision 9): an `org` that owns the pool and a
 * `council` that controls its disbursements, each an Ed25519 key generated on first use and kept
 * in the data folder (mode 0600) beside the node key, so the council can sign disbursements later.
 */
import { Effect } from "effect"
import * as Crypto from "node:crypto"
import * as Path from "node:path"
import { loadOrCreateKey } from "../KeyFile.js"
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
      const privateKey = await loadOrCreateKey(Path.join(dataDir, file))
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
