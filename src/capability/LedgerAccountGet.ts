/**
 * `ledger.account.get` (SETTLEMENT.md decision 11): read one ledger account with its balances,
 * by id, or the node's buyer account when none is named. Read-only; needs the host-ledger rail.
 */
import { Effect, Option, Schema } from "effect"
import { BUYER, ParticipantKeys } from "../exchange/ParticipantKeys.js"
import { LedgerAccount } from "../exchange/settlement/artifacts/LedgerAccount.js"
import { accountIdFor, Ledger } from "../exchange/settlement/Ledger.js"
import { type Capability, CapabilityFailed, make as makeCapability } from "./Capability.js"

const ID = "ledger.account.get"

/** What it takes: an account id (`account:…`), or nothing for the node's buyer account. */
export const AccountQuery = Schema.Struct({ account_id: Schema.optionalWith(Schema.NonEmptyTrimmedString, { exact: true }) })

/** What it answers. */
export const AccountAnswer = Schema.Struct({
  account_id: Schema.String,
  found: Schema.Boolean,
  account: Schema.optionalWith(LedgerAccount, { exact: true })
})

/** `ledger.account.get` over the ledger, if the node runs one. */
export const capability: Effect.Effect<Capability, never, ParticipantKeys> = Effect.gen(function*() {
  const ledger = yield* Effect.serviceOption(Ledger)
  const keys = yield* ParticipantKeys
  const failed = (detail: string) => new CapabilityFailed({ capability: ID, detail })
  return makeCapability({
    id: ID,
    description: "read one ledger account and its balances (default: this node's buyer account); read-only",
    input: AccountQuery,
    output: AccountAnswer,
    run: (input) =>
      Effect.gen(function*() {
        if (Option.isNone(ledger)) {
          return yield* failed("this node settles on rail none and keeps no ledger: set procurement.settlement.rail to host-ledger")
        }
        const accountId = input.account_id ?? accountIdFor(yield* Effect.mapError(keys.idOf(BUYER), (error) => failed(error.message)))
        const account = yield* Effect.mapError(ledger.value.account(accountId), (error) => failed(error.message))
        return Option.match(account, {
          onNone: () => ({ account_id: accountId, found: false }),
          onSome: (found) => ({ account_id: accountId, found: true, account: found })
        })
      })
  })
})
