/**
 * The host ledger (issue 11 items 1-2, SETTLEMENT.md §2): accounts, holds and transfers as
 * append-only facts in the node's SQL store, balances as projections of them
 * (available = credits − debits − unresolved holds). Writes are serialized and transactional;
 * deterministic ids make every replay (a repeated release, refund or top-up after a crash) find
 * what was recorded instead of recording it again. Time is Effect's Clock, so tests drive the
 * deadline cascade with TestClock through `sweep`.
 */
import { SqlClient } from "@effect/sql"
import { Context, Effect, Layer, Option } from "effect"
import type { LedgerAccount } from "./artifacts/LedgerAccount.js"
import type { LedgerHold } from "./artifacts/LedgerHold.js"
import type { LedgerTransfer } from "./artifacts/LedgerTransfer.js"
import type { Balance } from "./LedgerArtifacts.js"
import type {
  HoldTransitionRefused, InsufficientFunds, LedgerInputInvalid, LedgerNotFound, LedgerUnavailable, ReceiptConflict, ReceiptRefused
} from "./LedgerErrors.js"
import { makeOperations } from "./LedgerOperations.js"
import { migrate } from "./LedgerMigrations.js"

import type { HoldOutcome, LedgerConfig, NewAccount, NewHold, StoredReceipt, TopUpOutcome } from "./LedgerModel.js"

export type { HoldOutcome, LedgerConfig, NewAccount, NewHold, StoredReceipt, TopUpOutcome } from "./LedgerModel.js"

type HoldError = LedgerNotFound | HoldTransitionRefused | LedgerUnavailable

/** The host ledger. */
export class Ledger extends Context.Tag("orbiplex/Ledger")<Ledger, {
  readonly poolAccountId: string
  /** Opens an account; opening the same one again returns it, other terms under its id are refused. */
  readonly openAccount: (account: NewAccount) => Effect.Effect<LedgerAccount, LedgerInputInvalid | LedgerUnavailable>
  readonly account: (accountId: string) => Effect.Effect<Option.Option<LedgerAccount>, LedgerUnavailable>
  readonly accounts: Effect.Effect<ReadonlyArray<LedgerAccount>, LedgerUnavailable>
  /** A missing account reads as zero. */
  readonly balance: (accountId: string) => Effect.Effect<Balance, LedgerUnavailable>
  /** Reserves funds after the balance precheck; the same hold again (same terms) returns it. */
  readonly createHold: (hold: NewHold) => Effect.Effect<LedgerHold, InsufficientFunds | LedgerInputInvalid | LedgerNotFound | LedgerUnavailable>
  /** The seller's result was admitted (before `work-by`): auto-release applies from now on. */
  readonly delivered: (holdId: string) => Effect.Effect<HoldOutcome, HoldError>
  /** The payer accepts: `release`. */
  readonly accept: (holdId: string) => Effect.Effect<HoldOutcome, HoldError>
  /** The payer rejects within the acceptance window (`accept-by`): `refund`. */
  readonly reject: (holdId: string, reason: string) => Effect.Effect<HoldOutcome, HoldError>
  /** The payer opens a dispute before `dispute-by`: `frozen` (exported `disputed`), no auto-release. */
  readonly dispute: (holdId: string, caseRef: string) => Effect.Effect<HoldOutcome, HoldError>
  /** Release by the operator or an arbiter (from active or frozen). */
  readonly release: (holdId: string, reason: string) => Effect.Effect<HoldOutcome, HoldError>
  /** Refund by the buyer host (failed result, dispatch failure) or an arbiter. */
  readonly refund: (holdId: string, reason: string) => Effect.Effect<HoldOutcome, HoldError>
  /** Opening the execution failed before any contract: `voided`, nothing moves. */
  readonly voidHold: (holdId: string, reason: string) => Effect.Effect<HoldOutcome, HoldError>
  /** Applies every deadline that has passed; returns the holds it moved. */
  readonly sweep: Effect.Effect<ReadonlyArray<HoldOutcome>, LedgerUnavailable>
  readonly hold: (holdId: string) => Effect.Effect<Option.Option<LedgerHold>, LedgerUnavailable>
  readonly holds: Effect.Effect<ReadonlyArray<LedgerHold>, LedgerUnavailable>
  readonly transfers: Effect.Effect<ReadonlyArray<LedgerTransfer>, LedgerUnavailable>
  /** Credits a signed gateway receipt once per `receipt/id`. */
  readonly topUp: (document: unknown) => Effect.Effect<TopUpOutcome, ReceiptRefused | ReceiptConflict | LedgerNotFound | LedgerUnavailable>
  readonly receipts: Effect.Effect<ReadonlyArray<StoredReceipt>, LedgerUnavailable>
}>() {}

/** The account id the ledger gives a subject (`participant:did:key:…` → `account:participant:did:key:…`). */
export const accountIdFor = (subjectRef: string): string => `account:${subjectRef}`

/** The ledger over the store's SqlClient (its tables must exist: see `layerMigrated`). */
export const make = (config: LedgerConfig) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const operations = yield* makeOperations(sql, config)
    return Ledger.of(operations)
  })

/** The ledger as a layer over the store's SqlClient. */
export const layer = (config: LedgerConfig): Layer.Layer<Ledger, LedgerInputInvalid | LedgerUnavailable, SqlClient.SqlClient> =>
  Layer.effect(Ledger, make(config))

/** The ledger after running its own migrations (until they join the store's migrator). */
export const layerMigrated = (config: LedgerConfig) =>
  Layer.effect(Ledger, Effect.zipRight(migrate, make(config)))
