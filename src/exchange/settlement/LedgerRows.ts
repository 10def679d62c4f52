/**
 * The ledger's SQL: one function per fact read or written, the same text on SQLite and PostgreSQL.
 * Rows are decoded with Schemas (PostgreSQL returns BIGINT and SUM as text).
 */
import type { SqlClient, SqlError } from "@effect/sql"
import { Effect, type ParseResult, Schema } from "effect"

/** An integer column (a number from SQLite, a decimal string from PostgreSQL). */
const DbInt = Schema.Union(Schema.Int, Schema.compose(Schema.NumberFromString, Schema.Int))
const Text = Schema.String
const NullText = Schema.NullOr(Schema.String)

/** An account opening. */
export const AccountRow = Schema.Struct({
  account_id: Text,
  purpose: Text,
  owner_kind: Text,
  owner_id: Text,
  federation_id: Text,
  controller_kind: NullText,
  controller_id: NullText,
  created_at: Text
})
/** An account row. */
export type AccountRow = typeof AccountRow.Type

/** A hold's creation. */
export const HoldRow = Schema.Struct({
  hold_id: Text,
  contract_id: Text,
  question_id: NullText,
  payer_account_id: Text,
  payee_account_id: Text,
  escrow_node_id: Text,
  escrow_policy_ref: Text,
  amount: DbInt,
  created_at: Text,
  work_by: Text,
  accept_by: Text,
  dispute_by: Text,
  auto_release_after: Text
})
/** A hold row. */
export type HoldRow = typeof HoldRow.Type

/** One step of a hold after its creation. */
export const HoldEventRow = Schema.Struct({
  hold_id: Text,
  phase: Schema.Literal("delivered", "dispute", "resolution"),
  state: Text,
  at: Text,
  case_ref: NullText,
  reason: NullText,
  transfer_id: NullText
})
/** A hold event row. */
export type HoldEventRow = typeof HoldEventRow.Type

/** A transfer. */
export const TransferRow = Schema.Struct({
  transfer_id: Text,
  kind: Text,
  from_account_id: Text,
  to_account_id: Text,
  amount: DbInt,
  created_at: Text,
  hold_id: NullText,
  contract_id: NullText,
  gateway_receipt_id: NullText
})
/** A transfer row. */
export type TransferRow = typeof TransferRow.Type

/** A credited gateway receipt. */
export const ReceiptRow = Schema.Struct({ receipt_id: Text, digest: Text, document: Text, applied_at: Text })
/** A receipt row. */
export type ReceiptRow = typeof ReceiptRow.Type

const Sums = Schema.Struct({ credits: DbInt, debits: DbInt, held: DbInt })

/** A read or write of the ledger's tables failed. */
export type RowError = SqlError.SqlError | ParseResult.ParseError

const rows = <A, I>(schema: Schema.Schema<A, I>) => {
  const decode = Schema.decodeUnknown(Schema.Array(schema))
  return <E, R>(query: Effect.Effect<ReadonlyArray<unknown>, E, R>) => Effect.flatMap(query, (found) => decode(found))
}
const accountRows = rows(AccountRow)
const holdRows = rows(HoldRow)
const eventRows = rows(HoldEventRow)
const transferRows = rows(TransferRow)
const receiptRows = rows(ReceiptRow)

/** The ledger's statements over one client. */
export const statements = (sql: SqlClient.SqlClient) => ({
  accounts: accountRows(sql`SELECT * FROM ledger_accounts ORDER BY created_at, account_id`),
  account: (id: string) => accountRows(sql`SELECT * FROM ledger_accounts WHERE account_id = ${id}`),
  /** Locks the account row until the transaction ends (PostgreSQL; SQLite serializes writers anyway). */
  lockAccount: (id: string) =>
    sql.onDialectOrElse({
      pg: () => Effect.asVoid(sql`SELECT account_id FROM ledger_accounts WHERE account_id = ${id} FOR UPDATE`),
      orElse: () => Effect.void
    }),
  insertAccount: (row: AccountRow) => Effect.asVoid(sql`INSERT INTO ledger_accounts ${sql.insert(row)} ON CONFLICT (account_id) DO NOTHING`),
  /** Credits, debits and unresolved holds of one account. */
  sums: (id: string) =>
    Effect.flatMap(
      sql`SELECT
        (SELECT COALESCE(SUM(amount), 0) FROM ledger_transfers WHERE to_account_id = ${id}) AS credits,
        (SELECT COALESCE(SUM(amount), 0) FROM ledger_transfers WHERE from_account_id = ${id}) AS debits,
        (SELECT COALESCE(SUM(h.amount), 0) FROM ledger_holds h WHERE h.payer_account_id = ${id}
           AND NOT EXISTS (SELECT 1 FROM ledger_hold_events e WHERE e.hold_id = h.hold_id AND e.phase = 'resolution')) AS held`,
      (found) => Schema.decodeUnknown(Sums)(found[0])
    ),
  holds: holdRows(sql`SELECT * FROM ledger_holds ORDER BY created_at, hold_id`),
  hold: (id: string) => holdRows(sql`SELECT * FROM ledger_holds WHERE hold_id = ${id}`),
  /** Holds without a resolution: the ones deadlines can still move. */
  openHolds: holdRows(sql`SELECT * FROM ledger_holds h WHERE NOT EXISTS
    (SELECT 1 FROM ledger_hold_events e WHERE e.hold_id = h.hold_id AND e.phase = 'resolution') ORDER BY h.created_at, h.hold_id`),
  insertHold: (row: HoldRow) => Effect.asVoid(sql`INSERT INTO ledger_holds ${sql.insert(row)}`),
  events: eventRows(sql`SELECT * FROM ledger_hold_events ORDER BY at, hold_id`),
  eventsOf: (id: string) => eventRows(sql`SELECT * FROM ledger_hold_events WHERE hold_id = ${id}`),
  insertEvent: (row: HoldEventRow) =>
    Effect.asVoid(sql`INSERT INTO ledger_hold_events ${sql.insert(row)} ON CONFLICT (hold_id, phase) DO NOTHING`),
  transfers: transferRows(sql`SELECT * FROM ledger_transfers ORDER BY created_at, transfer_id`),
  transfer: (id: string) => transferRows(sql`SELECT * FROM ledger_transfers WHERE transfer_id = ${id}`),
  /** Records a transfer unless one with its id exists: a replay never moves value twice. */
  insertTransfer: (row: TransferRow) =>
    Effect.asVoid(sql`INSERT INTO ledger_transfers ${sql.insert(row)} ON CONFLICT (transfer_id) DO NOTHING`),
  receipts: receiptRows(sql`SELECT * FROM ledger_gateway_receipts ORDER BY applied_at, receipt_id`),
  receipt: (id: string) => receiptRows(sql`SELECT * FROM ledger_gateway_receipts WHERE receipt_id = ${id}`),
  insertReceipt: (row: ReceiptRow) => Effect.asVoid(sql`INSERT INTO ledger_gateway_receipts ${sql.insert(row)}`)
})

/** The statements' type. */
export type Statements = ReturnType<typeof statements>
