/**
 * What `orbiplex ledger topup --receipt <file>` and `orbiplex ledger balances|holds|transfers|receipts
 * [--json]`: the host ledger read and topped up straight from the store file
 * (SQLite in `<node.data_dir>/node.db` or the PostgreSQL the config names, migrated on open): the
 * same store, and so the same ledger, the running node keeps.
 */
import { FileSystem } from "@effect/platform"
import { Console, Effect, Either, Layer, type Option, Schema } from "effect"
import * as NodeIdentity from "../exchange/NodeIdentity.js"
import { decoderEither } from "../exchange/settlement/artifacts/Common.js"
import { GatewayReceipt } from "../exchange/settlement/artifacts/GatewayReceipt.js"
import { accountIdFor, Ledger, type LedgerConfig, layerMigrated } from "../exchange/settlement/Ledger.js"
import { LedgerUnavailable } from "../exchange/settlement/LedgerErrors.js"
import { loadPoolIdentity } from "../exchange/settlement/PoolIdentity.js"
import { resolveConfigFile } from "./ConfigFile.js"
import { loadExchangeConfig } from "./WorkflowHandlers.js"
import * as NodeStore from "../store/NodeStore.js"
import { parseJsonUnknown } from "../contract/Json.js"

/** The receipt file cannot be read or is not JSON. */
export class ReceiptFileUnreadable extends Schema.TaggedError<ReceiptFileUnreadable>()("ReceiptFileUnreadable", {
  file: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `cannot read gateway receipt ${this.file}: ${this.reason}`
  }
}

/** Where the command writes (tests capture it). */
export interface LedgerOutput {
  readonly out: (line: string) => Effect.Effect<void>
}

/** The process's stdout. */
export const consoleOutput: LedgerOutput = { out: (line) => Console.log(line) }

/** Common options of the ledger commands. */
export interface LedgerArgs {
  readonly config: Option.Option<string>
  /** Gateways trusted beyond the node itself (`node:did:key:…`). */
  readonly gateways: ReadonlyArray<string>
}

/** The account id of the community pool on a node's ledger. */
export const POOL_ACCOUNT_ID = "account:community-pool"

const decodeReceipt = decoderEither(GatewayReceipt)

/** `12345` → `123.45 ORC`. */
export const orc = (minor: number): string =>
  `${minor < 0 ? "-" : ""}${Math.floor(Math.abs(minor) / 100)}.${String(Math.abs(minor) % 100).padStart(2, "0")} ORC`

/** The ledger of the node a config file describes, opened on its store file. */
export const ledgerLayer = (args: LedgerArgs) =>
  Layer.unwrapEffect(Effect.gen(function*() {
    const file = yield* resolveConfigFile(args.config)
    const { config, settings } = yield* loadExchangeConfig(file)
    const dataDir = config.node.data_dir
    const identity = yield* NodeIdentity.make(dataDir)
    const pool = yield* loadPoolIdentity(dataDir)
    const nodeId = `node:${identity.did}`
    const ledgerConfig: LedgerConfig = {
      federationId: `federation:${config.node.id}`,
      escrowNodeId: nodeId,
      escrowPolicyRef: "escrow-policy:host-ledger-mvp",
      pool: { accountId: POOL_ACCOUNT_ID, ownerId: pool.ownerId, controllerId: pool.controllerId },
      // The gateways the node's config trusts, and any the operator adds for this command.
      trustedGateways: [nodeId, ...(settings.procurement.settlement.trusted_gateways ?? []), ...args.gateways]
    }
    // The node's own store, as its config names it (SQLite in data_dir, or PostgreSQL), migrated on open.
    const store = NodeStore.layer(config.storage, dataDir).pipe(
      Layer.mapError((error) => new LedgerUnavailable({ operation: "open", reason: error.message }))
    )
    return layerMigrated(ledgerConfig).pipe(
      Layer.provide(store),
      Layer.mapError((error) =>
        error._tag === "LedgerUnavailable" || error._tag === "LedgerInputInvalid"
          ? error
          : new LedgerUnavailable({ operation: "migrate", reason: error.message })
      )
    )
  }))

/** `ledger topup`: credits one signed gateway receipt (once per receipt id). */
export const ledgerTopUp = (args: LedgerArgs & { readonly receipt: string; readonly json: boolean }, output: LedgerOutput = consoleOutput) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const text = yield* fs.readFileString(args.receipt).pipe(
      Effect.mapError((error) => new ReceiptFileUnreadable({ file: args.receipt, reason: error.message }))
    )
    const document = yield* Either.match(parseJsonUnknown(text), {
      onLeft: (reason) => Effect.fail(new ReceiptFileUnreadable({ file: args.receipt, reason: `not JSON (${reason})` })),
      onRight: Effect.succeed
    })
    const ledger = yield* Ledger
    const outcome = yield* ledger.topUp(document)
    if (args.json) {
      yield* output.out(JSON.stringify({ replayed: outcome.replayed, transfers: outcome.transfers }, null, 2))
    } else {
      const credits = outcome.transfers.map((t) => `${orc(t.amount)} to ${t["to/account-id"]}`).join(", ")
      yield* output.out(
        outcome.replayed
          ? `gateway receipt ${outcome.receipt["receipt/id"]} was already applied: nothing new credited (${credits})`
          : `credited gateway receipt ${outcome.receipt["receipt/id"]}: ${credits}`
      )
    }
    return outcome
  }).pipe(Effect.provide(ledgerLayer(args)))

/** What `ledger <listing>` lists. */
export type Listing = "balances" | "holds" | "transfers" | "receipts"

/** `ledger balances|holds|transfers|receipts`: one line per fact, or the artifacts as JSON. */
export const ledgerList = (what: Listing, args: LedgerArgs & { readonly json: boolean }, output: LedgerOutput = consoleOutput) =>
  Effect.gen(function*() {
    const ledger = yield* Ledger
    const show = <A>(items: ReadonlyArray<A>, line: (item: A) => string, json: ReadonlyArray<unknown> = items) =>
      args.json
        ? output.out(JSON.stringify(json, null, 2))
        : items.length === 0
        ? output.out(`no ${what} yet`)
        : Effect.forEach(items, (item) => output.out(line(item)), { discard: true })
    switch (what) {
      case "balances": {
        return yield* show(yield* ledger.accounts, (a) => {
          return `${a["account/id"]} ${a["account/purpose"]}: available ${orc(a["available/balance"] ?? 0)}, held ${orc(a["held/balance"] ?? 0)}`
        })
      }
      case "holds": {
        return yield* show(yield* ledger.holds, (h) => {
          return `${h["hold/id"]} ${h.status} ${orc(h.amount)} ${h["payer/account-id"]} -> ${h["payee/account-id"]} ` +
            `(contract ${h["contract/id"]}, work-by ${h["work-by"]}, auto-release ${h["auto-release-after"]}` +
            `${h["resolved-at"] === undefined ? "" : `, resolved ${h["resolved-at"]}`})`
        })
      }
      case "transfers": {
        return yield* show(yield* ledger.transfers, (t) => {
          const ref = t["hold/id"] ?? t["gateway-receipt/id"]
          return `${t["created-at"]} ${t["transfer/id"]} ${t.kind} ${orc(t.amount)} ${t["from/account-id"]} -> ${t["to/account-id"]}` +
            (ref === undefined ? "" : ` (${ref})`)
        })
      }
      case "receipts": {
        const receipts = yield* ledger.receipts
        return yield* show(receipts, (r) =>
          Either.match(decodeReceipt(r.document), {
            onLeft: () => `${r.receiptId} applied ${r.appliedAt} sha256 ${r.digest.slice(0, 12)}…`,
            onRight: (g) =>
              `${r.receiptId} applied ${r.appliedAt}: ${g["external/amount"]} ${g["external/currency"]} via ${g["gateway/node-id"]} -> ` +
              `${orc(g["internal/amount"])} to ${g["account/id"]}, fee ${orc(g["internal/fee-amount"] ?? 0)} ` +
              `(${g["gateway-policy/ref"]}, sha256 ${r.digest.slice(0, 12)}…)`
          }), receipts.map((r) => r.document))
      }
    }
  }).pipe(Effect.provide(ledgerLayer(args)))

/** The subject account id a top-up for `subjectRef` should name. */
export { accountIdFor }
