/**
 * The settlement side of a node, by `procurement.settlement.rail`: rail `none` (nothing held), or
 * rail `host-ledger`: the ledger (its own migrations, SETTLEMENT.md §2) with the community pool of
 * decision 9, and the ledger rail over it. The ledger keeps its tables in the node's one SQL store
 * (SQLite in `data_dir/node.db`, or PostgreSQL), where `orbiplex ledger` reads and tops it up too.
 */
import type { SqlClient } from "@effect/sql/SqlClient"
import { Effect, Layer } from "effect"
import { NodeIdentity } from "../NodeIdentity.js"
import type { ParticipantKeys } from "../ParticipantKeys.js"
import { layerNone, type Settlement } from "../Settlement.js"
import { layerMigrated, type Ledger } from "./Ledger.js"
import { type LedgerInputInvalid, LedgerUnavailable } from "./LedgerErrors.js"
import { defaultWindows, layer as railLayer, type LedgerRail, type RailWindows } from "./LedgerRail.js"
import { loadPoolIdentity } from "./PoolIdentity.js"
import * as SettlementRecords from "./SettlementRecords.js"

/** What the host ledger needs from config. */
export interface HostLedgerSettings {
  readonly dataDir: string
  readonly rail: "none" | "host-ledger"
  /** Gateways (`node:did:key:…`) whose receipts are credited; this node's own key is always trusted. */
  readonly trustedGateways: ReadonlyArray<string>
  readonly windows?: RailWindows
  readonly federationId?: string
}

/** Why the settlement side could not start. */
export type HostLedgerStartError = LedgerUnavailable | LedgerInputInvalid

/** Everything the settlement side provides (the ledger and its rail only on `host-ledger`). */
export type HostLedgerServices = Settlement | SettlementRecords.SettlementRecords | Ledger | LedgerRail

/** The settlement side for `settings`. */
export const layer = (
  settings: HostLedgerSettings
): Layer.Layer<Settlement | SettlementRecords.SettlementRecords, HostLedgerStartError, NodeIdentity | ParticipantKeys | SqlClient> => {
  if (settings.rail === "none") return Layer.merge(layerNone, SettlementRecords.layer)
  const ledger = Layer.unwrapEffect(Effect.gen(function*() {
    const identity = yield* NodeIdentity
    const pool = yield* loadPoolIdentity(settings.dataDir)
    const nodeId = `node:${identity.did}`
    return layerMigrated({
      federationId: settings.federationId ?? "federation:local",
      escrowNodeId: nodeId,
      escrowPolicyRef: "escrow-policy:host-ledger-mvp",
      pool: { accountId: "account:community-pool", ownerId: pool.ownerId, controllerId: pool.controllerId },
      trustedGateways: [nodeId, ...settings.trustedGateways]
    })
  })).pipe(
    Layer.catchAll((error) =>
      Layer.fail(error._tag === "LedgerUnavailable" || error._tag === "LedgerInputInvalid"
        ? error
        : new LedgerUnavailable({ operation: "start (migrations)", reason: error.message })))
  )
  // The records' table comes with the ledger's migrations, which run as the ledger is built.
  return railLayer(settings.windows ?? defaultWindows).pipe(
    Layer.provideMerge(ledger),
    Layer.provideMerge(SettlementRecords.layerSql)
  )
}
