/**
 * The ledger's operations: accounts here, holds in HoldOperations, top-ups in TopUpBooking, all
 * over one LedgerContext. Making them opens the community pool.
 */
import type { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { makeHoldOperations } from "./HoldOperations.js"
import type { LedgerConfig, NewAccount } from "./LedgerModel.js"
import { accountArtifact, transferArtifact } from "./LedgerArtifacts.js"
import { makeContext, nowIso } from "./LedgerContext.js"
import { LedgerInputInvalid } from "./LedgerErrors.js"
import type { AccountRow } from "./LedgerRows.js"
import { makeTopUpOperations } from "./TopUpBooking.js"

const sameAccount = (row: AccountRow, account: NewAccount): boolean =>
  row.purpose === account.purpose && row.owner_kind === account.ownerKind && row.owner_id === account.ownerId &&
  row.controller_kind === (account.controller?.kind ?? null) && row.controller_id === (account.controller?.id ?? null)

/** The operations of `Ledger`, with the community pool opened. */
export const makeOperations = (sql: SqlClient.SqlClient, config: LedgerConfig) =>
  Effect.gen(function*() {
    const context = yield* makeContext(sql, config)
    const { balanceOf, read, st, write } = context
    const accountWithBalance = (row: AccountRow) => Effect.map(balanceOf(row.account_id), (balance) => accountArtifact(row, balance))

    const openAccount = (account: NewAccount) =>
      write("openAccount", Effect.gen(function*() {
        const [existing] = yield* st.account(account.accountId)
        if (existing !== undefined) {
          if (!sameAccount(existing, account)) {
            return yield* new LedgerInputInvalid({ what: `account ${account.accountId}`, reason: "it is already open with another owner, purpose or controller" })
          }
          return yield* accountWithBalance(existing)
        }
        const row: AccountRow = {
          account_id: account.accountId,
          purpose: account.purpose,
          owner_kind: account.ownerKind,
          owner_id: account.ownerId,
          federation_id: config.federationId,
          controller_kind: account.controller?.kind ?? null,
          controller_id: account.controller?.id ?? null,
          created_at: yield* nowIso
        }
        yield* st.insertAccount(row)
        return accountArtifact(row, { available: 0, held: 0 })
      }))

    yield* openAccount({
      accountId: config.pool.accountId,
      purpose: "community-pool",
      ownerKind: "org",
      ownerId: config.pool.ownerId,
      controller: { kind: "council", id: config.pool.controllerId }
    })

    return {
      poolAccountId: config.pool.accountId,
      openAccount,
      account: (accountId: string) =>
        read("account", Effect.flatMap(st.account(accountId), ([row]) => row === undefined ? Effect.succeedNone : Effect.asSome(accountWithBalance(row)))),
      accounts: read("accounts", Effect.flatMap(st.accounts, (rows) => Effect.forEach(rows, accountWithBalance))),
      balance: (accountId: string) => read("balance", balanceOf(accountId)),
      transfers: read("transfers", Effect.map(st.transfers, (rows) => rows.map(transferArtifact))),
      ...makeHoldOperations(context),
      ...makeTopUpOperations(context)
    }
  })
