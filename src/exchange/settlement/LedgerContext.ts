/**
 * What every ledger operation shares: the statements, the config, and the write discipline. Every
 * write runs under one permit and in one transaction; SQL errors become `LedgerUnavailable` (the
 * transaction rolled back, so nothing was half-applied).
 */
import { type SqlClient, SqlError } from "@effect/sql"
import { Clock, Effect, ParseResult } from "effect"
import type { LedgerConfig } from "./LedgerModel.js"
import type { Balance } from "./LedgerArtifacts.js"
import { LedgerUnavailable } from "./LedgerErrors.js"
import { type RowError, statements, type Statements } from "./LedgerRows.js"

/** Epoch milliseconds as the artifacts' timestamp text. */
export const iso = (millis: number): string => new Date(millis).toISOString()

/** Now, on Effect's Clock (TestClock in tests). */
export const nowIso: Effect.Effect<string> = Effect.map(Clock.currentTimeMillis, iso)

const isRowError = (error: unknown): error is RowError => error instanceof SqlError.SqlError || ParseResult.isParseError(error)

const unavailable = (operation: string) => (error: RowError) => new LedgerUnavailable({ operation, reason: error.message })

/** The shared parts of the ledger's operations. */
export interface LedgerContext {
  readonly st: Statements
  readonly config: LedgerConfig
  /** Runs `effect` as one serialized transaction. */
  readonly write: <A, E>(operation: string, effect: Effect.Effect<A, E | RowError>) => Effect.Effect<A, Exclude<E, RowError> | LedgerUnavailable>
  /** Runs a read. */
  readonly read: <A>(operation: string, effect: Effect.Effect<A, RowError>) => Effect.Effect<A, LedgerUnavailable>
  /** An account's balance from its facts (inside a write, or wrapped by `read`). */
  readonly balanceOf: (accountId: string) => Effect.Effect<Balance, RowError>
}

/** The context over one client. */
export const makeContext = (sql: SqlClient.SqlClient, config: LedgerConfig): Effect.Effect<LedgerContext> =>
  Effect.gen(function*() {
    const st = statements(sql)
    const permit = yield* Effect.makeSemaphore(1)
    return {
      st,
      config,
      write: <A, E>(operation: string, effect: Effect.Effect<A, E | RowError>) =>
        permit.withPermits(1)(sql.withTransaction(effect)).pipe(
          Effect.catchIf(
            (error: E | RowError | SqlError.SqlError): error is RowError => isRowError(error),
            (error) => Effect.fail(unavailable(operation)(error))
          )
        ),
      read: (operation, effect) => Effect.mapError(effect, unavailable(operation)),
      balanceOf: (accountId) =>
        Effect.map(st.sums(accountId), (sums): Balance => ({ available: sums.credits - sums.debits - sums.held, held: sums.held }))
    }
  })
