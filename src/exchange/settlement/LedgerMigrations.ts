/**
 * The ledger's tables: append-only facts (accounts, holds, hold events, transfers, gateway
 * receipts); balances are computed from them. Keys make duplicates impossible at the storage
 * level: one transfer per id, one receipt per id, one event per (hold, phase).
 */
import { Migrator, SqlClient } from "@effect/sql"
import { Effect } from "effect"

const facts = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE ledger_accounts (
    account_id TEXT PRIMARY KEY,
    purpose TEXT NOT NULL,
    owner_kind TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    federation_id TEXT NOT NULL,
    controller_kind TEXT,
    controller_id TEXT,
    created_at TEXT NOT NULL
  )`
  yield* sql`CREATE TABLE ledger_holds (
    hold_id TEXT PRIMARY KEY,
    contract_id TEXT NOT NULL,
    question_id TEXT,
    payer_account_id TEXT NOT NULL,
    payee_account_id TEXT NOT NULL,
    escrow_node_id TEXT NOT NULL,
    escrow_policy_ref TEXT NOT NULL,
    amount BIGINT NOT NULL CHECK (amount >= 1),
    created_at TEXT NOT NULL,
    work_by TEXT NOT NULL,
    accept_by TEXT NOT NULL,
    dispute_by TEXT NOT NULL,
    auto_release_after TEXT NOT NULL
  )`
  // phase: delivered | dispute | resolution. A hold resolves at most once, whatever is replayed.
  yield* sql`CREATE TABLE ledger_hold_events (
    hold_id TEXT NOT NULL,
    phase TEXT NOT NULL,
    state TEXT NOT NULL,
    at TEXT NOT NULL,
    case_ref TEXT,
    reason TEXT,
    transfer_id TEXT,
    PRIMARY KEY (hold_id, phase)
  )`
  yield* sql`CREATE TABLE ledger_transfers (
    transfer_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    from_account_id TEXT NOT NULL,
    to_account_id TEXT NOT NULL,
    amount BIGINT NOT NULL CHECK (amount >= 1),
    created_at TEXT NOT NULL,
    hold_id TEXT,
    contract_id TEXT,
    gateway_receipt_id TEXT
  )`
  yield* sql`CREATE INDEX ledger_transfers_from ON ledger_transfers (from_account_id)`
  yield* sql`CREATE INDEX ledger_transfers_to ON ledger_transfers (to_account_id)`
  yield* sql`CREATE INDEX ledger_holds_payer ON ledger_holds (payer_account_id)`
  yield* sql`CREATE TABLE ledger_gateway_receipts (
    receipt_id TEXT PRIMARY KEY,
    digest TEXT NOT NULL,
    document TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`
})

// The artifacts each order produced (contract, response envelope, receipt, admitted result digest),
// one JSON record per order, so admission and receipts survive a restart.
const settlementRecords = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE settlement_records (
    order_id TEXT PRIMARY KEY,
    receipt_id TEXT,
    record TEXT NOT NULL,
    updated_at_ms BIGINT NOT NULL
  )`
  yield* sql`CREATE INDEX settlement_records_receipt ON settlement_records (receipt_id)`
})

/**
 * The ledger's migrations by `<id>_<name>`, for `Migrator.fromRecord`. To be added to the store's
 * list at integration; until then `migrate` runs them under their own table.
 */
export const ledgerMigrations: Record<string, Effect.Effect<void, unknown, SqlClient.SqlClient>> = {
  "1_ledger_facts": facts,
  "2_settlement_records": settlementRecords
}

/** The table that records which ledger migrations ran when they run on their own. */
export const LEDGER_MIGRATIONS_TABLE = "orbiplex_ledger_migrations"

/** Runs the ledger's migrations under their own migrations table. */
export const migrate = Migrator.make({})({ loader: Migrator.fromRecord(ledgerMigrations), table: LEDGER_MIGRATIONS_TABLE })
