/**
 * Append-only journals (lifecycle facts, chain traces) share one shape: a serial id, the time the
 * row was recorded (the Effect clock, so retention is testable), a few indexed columns, and the
 * document as JSON. `prune` applies a retention rule by age and by count.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import { Clock, Effect } from "effect"
import type { RetentionRule } from "../config/StorageConfig.js"
import { failedAs, type StoreFailed } from "./StoreError.js"

/** The journal tables (a closed set: table names are never taken from input). */
export type JournalTable = "lifecycle_facts" | "chain_traces"

/** Deletes the rows older than `rule.max_age` and beyond the newest `rule.max_rows`; answers how many went. */
export const prune = (table: JournalTable, rule: RetentionRule): Effect.Effect<number, StoreFailed, SqlClient.SqlClient> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const now = yield* Clock.currentTimeMillis
    const name = sql(table)
    const byAge = yield* sql`DELETE FROM ${name} WHERE recorded_at_ms < ${now - rule.max_age} RETURNING id`
    // Ids grow with time: everything at or below the (max_rows+1)-th newest id goes.
    const byCount = yield* sql`DELETE FROM ${name} WHERE id <= (
      SELECT id FROM ${name} ORDER BY id DESC LIMIT 1 OFFSET ${rule.max_rows}
    ) RETURNING id`
    return byAge.length + byCount.length
  }).pipe(failedAs(`prune ${table}`))
