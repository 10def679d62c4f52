/**
 * Properties of the ledger over generated operation sequences (top-ups, holds, deliveries,
 * accepts, rejects, refunds, releases, voids, disputes, clock moves with sweeps), each operation
 * sometimes repeated as a crash-and-retry would: no transfer is ever created twice, no balance
 * goes negative, and the sum of all accounts changes only by gateway top-ups.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, FastCheck as fc, TestClock } from "effect"
import { accountIdFor, Ledger } from "../../../src/exchange/settlement/Ledger.js"
import { identity, ledgerOn, signed, sqliteLayer, storyReceiptBody } from "./LedgerHarness.js"

const HOUR = 3_600_000
const people = [identity("participant"), identity("participant"), identity("participant")]
const ACCOUNTS = people.map((person) => accountIdFor(person.id))
const account = (i: number): string => ACCOUNTS[i % ACCOUNTS.length] ?? "account:none"

const Op = fc.oneof(
  fc.record({
    op: fc.constant("topUp" as const),
    receipt: fc.integer({ min: 1, max: 4 }),
    to: fc.nat(2),
    net: fc.integer({ min: 1, max: 500 }),
    fee: fc.integer({ min: 0, max: 60 })
  }),
  fc.record({
    op: fc.constant("hold" as const),
    hold: fc.nat(5),
    payer: fc.nat(2),
    payee: fc.nat(2),
    amount: fc.integer({ min: 1, max: 30_000 })
  }),
  fc.record({
    op: fc.constantFrom("delivered" as const, "accept" as const, "reject" as const, "refund" as const, "release" as const, "void" as const, "dispute" as const),
    hold: fc.nat(5)
  }),
  fc.record({ op: fc.constant("advance" as const), minutes: fc.integer({ min: 1, max: 200 }) })
)
type Op = typeof Op extends fc.Arbitrary<infer T> ? T : never
const Step = fc.record({ step: Op, twice: fc.boolean() })

const run = (step: Op) =>
  Effect.gen(function*() {
    const ledger = yield* Ledger
    const now = yield* TestClock.currentTimeMillis
    const holdId = "hold" in step ? `hold:${step.hold}` : ""
    switch (step.op) {
      case "topUp": {
        const body = storyReceiptBody(account(step.to), {
          "receipt/id": `gw:${step.receipt}`,
          "external/amount": step.net + step.fee,
          "fee/external-amount": step.fee,
          "fee/rate": step.fee / (step.net + step.fee),
          "net/external-amount": step.net,
          "internal/amount": step.net * 100,
          "internal/fee-amount": step.fee * 100
        })
        return yield* Effect.either(ledger.topUp(signed(body)))
      }
      case "hold":
        return yield* Effect.either(ledger.createHold({
          holdId,
          contractId: `contract:${step.hold}`,
          payerAccountId: account(step.payer),
          payeeAccountId: account(step.payee),
          amount: step.amount,
          workBy: now + HOUR,
          acceptBy: now + 2 * HOUR,
          disputeBy: now + 3 * HOUR,
          autoReleaseAfter: now + 4 * HOUR
        }))
      case "delivered":
        return yield* Effect.either(ledger.delivered(holdId))
      case "accept":
        return yield* Effect.either(ledger.accept(holdId))
      case "reject":
        return yield* Effect.either(ledger.reject(holdId, "rejected"))
      case "refund":
        return yield* Effect.either(ledger.refund(holdId, "failed"))
      case "release":
        return yield* Effect.either(ledger.release(holdId, "operator"))
      case "void":
        return yield* Effect.either(ledger.voidHold(holdId, "open failed"))
      case "dispute":
        return yield* Effect.either(ledger.dispute(holdId, `case:${step.hold}`))
      case "advance":
        yield* TestClock.adjust(step.minutes * 60_000)
        return yield* Effect.either(ledger.sweep)
    }
  })

const totals = Effect.gen(function*() {
  const ledger = yield* Ledger
  const transfers = yield* ledger.transfers
  let accountsSum = 0
  for (const id of [...ACCOUNTS, ledger.poolAccountId]) {
    const balance = yield* ledger.balance(id)
    expect(balance.available).toBeGreaterThanOrEqual(0)
    expect(balance.held).toBeGreaterThanOrEqual(0)
    accountsSum += balance.available + balance.held
  }
  const toppedUp = transfers.filter((t) => t.kind === "top-up-credit").reduce((sum, t) => sum + t.amount, 0)
  return { transfers, accountsSum, toppedUp }
})

describe("ledger properties (SQLite)", () => {
  it.effect.prop(
    "no transfer twice, no negative balance, and the sum of accounts moves only by top-ups",
    [fc.array(Step, { minLength: 1, maxLength: 25 })],
    ([steps]) =>
      Effect.gen(function*() {
        const ledger = yield* Ledger
        for (const person of people) {
          yield* ledger.openAccount({ accountId: accountIdFor(person.id), purpose: "participant-settlement", ownerKind: "participant", ownerId: person.id })
        }
        let before = yield* totals
        for (const { step, twice } of steps) {
          yield* run(step)
          const after = yield* totals
          // Only a top-up changes the sum of all accounts, and by exactly what it credited.
          expect(after.accountsSum - before.accountsSum).toBe(after.toppedUp - before.toppedUp)
          expect(after.accountsSum).toBe(after.toppedUp)
          if (twice && step.op !== "advance") {
            // A retry after a crash: the same operation again books nothing new.
            yield* run(step)
            expect((yield* ledger.transfers).length).toBe(after.transfers.length)
          }
          before = yield* totals
          const ids = before.transfers.map((t) => t["transfer/id"])
          expect(new Set(ids).size).toBe(ids.length)
          const perHold = new Map<string, number>()
          for (const t of before.transfers) if (t["hold/id"] !== undefined) perHold.set(t["hold/id"], (perHold.get(t["hold/id"]) ?? 0) + 1)
          for (const count of perHold.values()) expect(count).toBe(1)
        }
      }).pipe(Effect.provide(ledgerOn(sqliteLayer))),
    { fastCheck: { numRuns: 40 }, timeout: 120_000 }
  )
})
