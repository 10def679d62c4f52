/**
 * The ledger on the two stores it runs on: a temp-file SQLite and a fresh PostgreSQL database at
 * 127.0.0.1:5432 (dropped afterwards). When PostgreSQL does not answer, its tests fail under CI and
 * are skipped with a message otherwise. Also signed story-006 gateway receipts.
 */
import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { Effect, Layer, Option } from "effect"
import * as Crypto from "node:crypto"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { GATEWAY_RECEIPT_DOMAIN, sign } from "../../../src/exchange/settlement/ArtifactSignature.js"
import { NotEncodable } from "../../../src/exchange/settlement/DeterministicCbor.js"
import { didOf } from "../../../src/exchange/settlement/DidKey.js"
import { type LedgerConfig, layerMigrated } from "../../../src/exchange/settlement/Ledger.js"

/** A fresh Ed25519 identity: its key and `<role>:did:key:…` id. */
export const identity = (role: string) => {
  const pair = Crypto.generateKeyPairSync("ed25519")
  return { privateKey: pair.privateKey, id: `${role}:${didOf(pair.publicKey)}` }
}

/** The gateway of these tests, the node, and the community pool. */
export const gateway = identity("node")
export const node = identity("node")
const poolOrg = identity("org")
const council = identity("council")

/** The ledger config the tests use. */
export const ledgerConfig: LedgerConfig = {
  federationId: "federation:test",
  escrowNodeId: node.id,
  escrowPolicyRef: "escrow-policy:host-ledger-mvp",
  pool: { accountId: "account:community-pool", ownerId: poolOrg.id, controllerId: council.id },
  trustedGateways: [gateway.id, node.id]
}

/** Signs a receipt body with `signer` (default: the trusted gateway). */
export const signed = (body: Record<string, unknown>, signer: { readonly privateKey: Crypto.KeyObject } = gateway): Record<string, unknown> => {
  const signature = sign(GATEWAY_RECEIPT_DOMAIN, body, signer.privateKey)
  if (signature instanceof NotEncodable) throw new Error(signature.reason)
  return { ...body, signature }
}

/** Story 006's top-up: 500.00 PLN gross, 10 % fee, rate 100 → 45000 to the account, 5000 to the pool. */
export const storyReceiptBody = (accountId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  "schema/v": 1,
  "receipt/id": "gw:01JVGW001",
  "gateway/node-id": gateway.id,
  "direction": "inbound",
  "external/amount": 500,
  "external/currency": "PLN",
  "fee/external-amount": 50,
  "fee/rate": 0.1,
  "fee/destination-account-id": "account:community-pool",
  "net/external-amount": 450,
  "rate/applied": 100,
  "internal/amount": 45000,
  "internal/fee-amount": 5000,
  "internal/currency": "ORC",
  "account/id": accountId,
  "ts": "2026-03-30T06:00:00Z",
  "external/payment-ref": "psp:tx-778812",
  "gateway-policy/ref": "gateway-policy:pl-main-prepaid-v1",
  ...overrides
})

/** An SqlClient on a fresh temp-file SQLite database, removed with the scope. */
export const sqliteLayer: Layer.Layer<SqlClient.SqlClient> = Layer.unwrapScoped(
  Effect.map(
    Effect.acquireRelease(
      Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "orbiplex-ledger-"))),
      (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
    ),
    (dir) => SqliteClient.layer({ filename: Path.join(dir, "node.db") })
  )
).pipe(Layer.orDie)

const PG = { host: "127.0.0.1", port: 5432, username: "postgres", connectTimeout: "3 seconds" } as const

const adminLayer = PgClient.layer({ ...PG, database: "postgres", maxConnections: 1 })

/** Whether PostgreSQL answers at 127.0.0.1:5432 (on the live clock). */
export const pgAnswers = (): Promise<boolean> => Effect.runPromise(
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql`SELECT 1`
    return true
  }).pipe(
    Effect.provide(adminLayer),
    Effect.timeout("5 seconds"),
    Effect.scoped,
    Effect.catchAllCause(() => Effect.succeed(false))
  )
)

/** A fresh PostgreSQL database with a random name, dropped (connections and all) with the scope. */
export const pgDatabase = Effect.gen(function*() {
  const name = `ledger_test_${Crypto.randomBytes(6).toString("hex")}`
  const admin = (statement: string) =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* sql.unsafe(statement)
    }).pipe(Effect.provide(adminLayer), Effect.scoped)
  yield* Effect.acquireRelease(admin(`CREATE DATABASE ${name}`), () => Effect.orDie(admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)))
  return name
})

/** An SqlClient on database `name`. */
export const pgClient = (name: string): Layer.Layer<SqlClient.SqlClient> =>
  PgClient.layer({ ...PG, database: name, maxConnections: 4 }).pipe(Layer.orDie)

/** An SqlClient on a fresh PostgreSQL database. */
export const pgLayer: Layer.Layer<SqlClient.SqlClient> = Layer.unwrapScoped(Effect.map(pgDatabase, pgClient)).pipe(Layer.orDie)

/** A migrated ledger over `store`. */
export const ledgerOn = (store: Layer.Layer<SqlClient.SqlClient>, config: LedgerConfig = ledgerConfig) =>
  layerMigrated(config).pipe(Layer.provideMerge(store), Layer.orDie)

/** The stores to run a suite on; PostgreSQL only when it answers (or under CI, where its absence fails). */
export const stores = async (): Promise<ReadonlyArray<readonly [string, Layer.Layer<SqlClient.SqlClient>]>> => {
  const pg = await pgAnswers()
  if (!pg && process.env["CI"] === undefined) {
    console.warn("PostgreSQL does not answer at 127.0.0.1:5432: the ledger's PostgreSQL tests are SKIPPED (they fail under CI)")
  }
  return [["sqlite", sqliteLayer], ...(pg || process.env["CI"] !== undefined ? [["postgresql", pgLayer] as const] : [])]
}

/** Unwraps an Option in a test. */
export const some = <A>(option: Option.Option<A>): A => Option.getOrThrow(option)
