/**
 * The store's schema, as one ordered list of migrations run by @effect/sql's Migrator when the
 * store opens. The same list serves SQLite and PostgreSQL: portable SQL (TEXT for JSON, BIGINT for
 * epoch milliseconds), with `sql.onDialectOrElse` only where the dialects differ.
 *
 * ADDING A MIGRATION IS ONE ENTRY AT THE END OF `migrations` (next id, a name, an Effect). Never edit
 * or renumber an entry that has shipped: a store that already ran it will not run it again.
 */
import * as Migrator from "@effect/sql/Migrator"
import * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import { Effect } from "effect"

/** One migration: its id (strictly increasing), a name, and the statements it runs. */
export type StoreMigration = readonly [id: number, name: string, run: Effect.Effect<void, SqlError, SqlClient.SqlClient>]

/** The table the Migrator records applied migrations in. */
export const MIGRATIONS_TABLE = "orbiplex_migrations"

/** An auto-numbered primary key: the one column type the two dialects spell differently. */
const serialKey = Effect.map(SqlClient.SqlClient, (sql) =>
  sql.onDialectOrElse({
    pg: () => sql.literal("BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"),
    orElse: () => sql.literal("INTEGER PRIMARY KEY AUTOINCREMENT")
  }))

const workflowRuns = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE workflow_runs (
    run_id TEXT PRIMARY KEY,
    schema_version TEXT NOT NULL,
    workflow_id TEXT NOT NULL,
    executor_id TEXT NOT NULL,
    status TEXT NOT NULL,
    template TEXT NOT NULL,
    params TEXT NOT NULL,
    state TEXT NOT NULL,
    moves INTEGER NOT NULL,
    last_intents TEXT NOT NULL,
    pending_events TEXT NOT NULL,
    failure TEXT,
    created_at_ms BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL
  )`
  yield* sql`CREATE INDEX workflow_runs_status ON workflow_runs (status)`
  // The outcome of every intent, by scope (a run's steps use the scope `run:<run_id>`).
  yield* sql`CREATE TABLE intent_outcomes (
    scope TEXT NOT NULL,
    intent_id TEXT NOT NULL,
    status TEXT NOT NULL,
    result TEXT,
    error TEXT,
    recorded_at_ms BIGINT NOT NULL,
    PRIMARY KEY (scope, intent_id)
  )`
  yield* sql`CREATE TABLE node_meta (
    meta_key TEXT PRIMARY KEY,
    meta_value TEXT NOT NULL
  )`
})

const orders = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE orders (
    order_id TEXT PRIMARY KEY,
    intent_id TEXT,
    run_id TEXT,
    step_id TEXT,
    attempt INTEGER,
    offer_id TEXT,
    provider_id TEXT NOT NULL,
    service_type TEXT NOT NULL,
    price BIGINT NOT NULL,
    currency TEXT NOT NULL,
    status TEXT NOT NULL,
    outcome TEXT,
    created_at_ms BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL
  )`
  yield* sql`CREATE INDEX orders_run ON orders (run_id)`
})

const offers = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE offers (
    offer_id TEXT PRIMARY KEY,
    provider_id TEXT NOT NULL,
    executor_id TEXT NOT NULL,
    service_type TEXT NOT NULL,
    sequence BIGINT NOT NULL,
    issued_at_ms BIGINT NOT NULL,
    expires_at_ms BIGINT NOT NULL,
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL,
    max_depth INTEGER,
    document TEXT NOT NULL
  )`
  yield* sql`CREATE INDEX offers_provider ON offers (provider_id)`
  yield* sql`CREATE TABLE offer_sequences (
    sequence_key TEXT PRIMARY KEY,
    last_value BIGINT NOT NULL
  )`
})

const journals = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const key = yield* serialKey
  yield* sql`CREATE TABLE lifecycle_facts (
    id ${key},
    recorded_at_ms BIGINT NOT NULL,
    module_id TEXT NOT NULL,
    fact TEXT NOT NULL
  )`
  yield* sql`CREATE INDEX lifecycle_facts_recorded ON lifecycle_facts (recorded_at_ms)`
  yield* sql`CREATE INDEX lifecycle_facts_module ON lifecycle_facts (module_id, id)`
  yield* sql`CREATE TABLE chain_traces (
    id ${key},
    recorded_at_ms BIGINT NOT NULL,
    hook TEXT NOT NULL,
    correlation_id TEXT NOT NULL,
    outcome TEXT NOT NULL,
    trace TEXT NOT NULL
  )`
  yield* sql`CREATE INDEX chain_traces_recorded ON chain_traces (recorded_at_ms)`
  yield* sql`CREATE INDEX chain_traces_correlation ON chain_traces (correlation_id)`
})

const idempotencyKeys = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE idempotency_keys (
    idempotency_key TEXT PRIMARY KEY,
    request_digest TEXT NOT NULL,
    response TEXT,
    created_at_ms BIGINT NOT NULL,
    completed_at_ms BIGINT
  )`
})

/** Every migration, in order. Append only (see the module comment). */
export const migrations: ReadonlyArray<StoreMigration> = [
  [1, "workflow_runs", workflowRuns],
  [2, "orders", orders],
  [3, "offers", offers],
  [4, "journals", journals],
  [5, "idempotency_keys", idempotencyKeys]
]

const runMigrator = Migrator.make({})

/** Runs the migrations the store has not run yet; answers the ones it ran now. */
export const migrate = (list: ReadonlyArray<StoreMigration> = migrations) =>
  runMigrator({
    table: MIGRATIONS_TABLE,
    loader: Effect.succeed(list.map(([id, name, run]): Migrator.ResolvedMigration => [id, name, Effect.succeed(run)]))
  })
