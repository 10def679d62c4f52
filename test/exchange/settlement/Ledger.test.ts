/**
 * The ledger on SQLite and PostgreSQL: story 006's top-up and fifteen orders to the exact end
 * balances, the deadline cascade under TestClock, idempotent releases, refunds and top-ups, and
 * the refusals (insufficient funds, untrusted or tampered receipts, conflicting receipt ids).
 * Every artifact the ledger hands out is decoded with its Schema.
 */
import { describe, expect, it } from "@effect/vitest"
import { Context, Deferred, Effect, Either, Layer, Option, Schema, TestClock } from "effect"
import { LedgerAccount } from "../../../src/exchange/settlement/artifacts/LedgerAccount.js"
import { LedgerHold } from "../../../src/exchange/settlement/artifacts/LedgerHold.js"
import { LedgerTransfer } from "../../../src/exchange/settlement/artifacts/LedgerTransfer.js"
import { GatewayReceipt } from "../../../src/exchange/settlement/artifacts/GatewayReceipt.js"
import { accountIdFor, Ledger, type NewHold } from "../../../src/exchange/settlement/Ledger.js"
import { runSweeper, sweepSchedule } from "../../../src/exchange/settlement/LedgerSweeper.js"
import { identity, ledgerOn, pgClient, pgDatabase, signed, some, stores, storyReceiptBody } from "./LedgerHarness.js"

const STORES = await stores()

const HOUR = 3_600_000
const buyer = identity("participant")
const adam = identity("participant")
const ola = identity("participant")
const marcin = identity("participant")
const BUYER = accountIdFor(buyer.id)

const decodes = Effect.fn("decodes")(function*() {
  const ledger = yield* Ledger
  for (const account of yield* ledger.accounts) yield* Schema.decodeUnknown(LedgerAccount)(account)
  for (const hold of yield* ledger.holds) yield* Schema.decodeUnknown(LedgerHold)(hold)
  for (const transfer of yield* ledger.transfers) yield* Schema.decodeUnknown(LedgerTransfer)(transfer)
  for (const receipt of yield* ledger.receipts) yield* Schema.decodeUnknown(GatewayReceipt)(receipt.document)
})

const openParticipants = Effect.fn("openParticipants")(function*() {
  const ledger = yield* Ledger
  for (const subject of [buyer, adam, ola, marcin]) {
    yield* ledger.openAccount({ accountId: accountIdFor(subject.id), purpose: "participant-settlement", ownerKind: "participant", ownerId: subject.id })
  }
})

const holdFor = (n: string, payee: string, amount: number, now = 0): NewHold => ({
  holdId: `hold:${n}`,
  contractId: `contract:${n}`,
  payerAccountId: BUYER,
  payeeAccountId: payee,
  amount,
  workBy: now + HOUR,
  acceptBy: now + 2 * HOUR,
  disputeBy: now + 3 * HOUR,
  autoReleaseAfter: now + 4 * HOUR
})

const topUp = Effect.fn("topUp")(function*() {
  const ledger = yield* Ledger
  return yield* ledger.topUp(signed(storyReceiptBody(BUYER)))
})

for (const [store, storeLayer] of STORES) {
  describe(`the ledger on ${store}`, () => {
    it.effect("story 006: one top-up and fifteen paid orders end at the story's balances", () =>
      Effect.gen(function*() {
        const ledger = yield* Ledger
        yield* openParticipants()
        const credited = yield* topUp()
        expect(credited.replayed).toBe(false)
        expect(credited.transfers.map((t) => [t.kind, t["to/account-id"], t.amount])).toEqual([
          ["top-up-credit", BUYER, 45000],
          ["top-up-credit", "account:community-pool", 5000]
        ])
        const orders = [
          ...[1, 2].map((i) => holdFor(`news-${i}`, accountIdFor(adam.id), 600)),
          ...[1, 2, 3, 4, 5, 6].map((i) => holdFor(`redaction-${i}`, accountIdFor(ola.id), 1000)),
          ...[1, 2, 3, 4, 5, 6].map((i) => holdFor(`illustration-${i}`, accountIdFor(marcin.id), 500))
        ]
        for (const order of orders) yield* ledger.createHold(order)
        expect(yield* ledger.balance(BUYER)).toEqual({ available: 34800, held: 10200 })
        for (const order of orders) {
          yield* ledger.delivered(order.holdId)
          const released = yield* ledger.accept(order.holdId)
          expect(released.hold.status).toBe("released")
          expect(Option.map(released.transfer, (t) => t.kind)).toEqual(Option.some("release"))
        }
        const balances = Object.fromEntries((yield* ledger.accounts).map((a) => [a["account/id"], [a["available/balance"], a["held/balance"]]]))
        expect(balances).toEqual({
          [BUYER]: [34800, 0],
          [accountIdFor(adam.id)]: [1200, 0],
          [accountIdFor(ola.id)]: [6000, 0],
          [accountIdFor(marcin.id)]: [3000, 0],
          "account:community-pool": [5000, 0]
        })
        expect(Object.values(balances).reduce((sum, [available]) => sum + (available ?? 0), 0)).toBe(50000)
        // 2 top-up credits + 14 releases: of the story's 15 orders, packaging is free and gets no hold.
        expect(yield* ledger.transfers).toHaveLength(16)
        yield* decodes()
      }).pipe(Effect.provide(ledgerOn(storeLayer))))

    it.effect("credits a receipt once; the same id with other content is refused and credits nothing", () =>
      Effect.gen(function*() {
        const ledger = yield* Ledger
        yield* openParticipants()
        yield* topUp()
        const again = yield* topUp()
        expect(again.replayed).toBe(true)
        expect(again.transfers.map((t) => t["transfer/id"])).toEqual(["transfer:top-up:gw:01JVGW001", "transfer:top-up-fee:gw:01JVGW001"])
        const altered = yield* Effect.either(ledger.topUp(signed(storyReceiptBody(BUYER, { "external/payment-ref": "psp:other" }))))
        expect(Either.isLeft(altered) && altered.left._tag).toBe("ReceiptConflict")
        expect(Either.isLeft(altered) && altered.left.message).toMatch(/already credited with different content/)
        expect(yield* ledger.transfers).toHaveLength(2)
        expect(yield* ledger.receipts).toHaveLength(1)
        expect((yield* ledger.balance(BUYER)).available).toBe(45000)
        yield* decodes()
      }).pipe(Effect.provide(ledgerOn(storeLayer))))

    it.effect("refuses untrusted, tampered, inconsistent and misdirected receipts", () =>
      Effect.gen(function*() {
        const ledger = yield* Ledger
        yield* openParticipants()
        const stranger = identity("node")
        const reasonOf = (document: unknown) =>
          Effect.map(Effect.flip(ledger.topUp(document)), (error) => `${error._tag}: ${error.message}`)
        expect(yield* reasonOf(signed(storyReceiptBody(BUYER, { "gateway/node-id": stranger.id }), stranger))).toMatch(/is not trusted/)
        const tampered = { ...signed(storyReceiptBody(BUYER)), "internal/amount": 90000, "net/external-amount": 900, "external/amount": 950 }
        expect(yield* reasonOf(tampered)).toMatch(/bad signature: the signature does not verify/)
        expect(yield* reasonOf(signed(storyReceiptBody(BUYER, { "internal/amount": 46000 })))).toMatch(/internal\/amount 46000 is not net 450/)
        expect(yield* reasonOf(signed(storyReceiptBody(BUYER, { "fee/destination-account-id": "account:elsewhere" })))).toMatch(/community pool is account:community-pool/)
        expect(yield* reasonOf(signed(storyReceiptBody(BUYER, { "direction": "outbound" })))).toMatch(/outbound receipts/)
        expect(yield* reasonOf(signed(storyReceiptBody("account:nobody")))).toMatch(/LedgerNotFound: no account account:nobody/)
        expect(yield* reasonOf({ "receipt/id": "gw:x" })).toMatch(/not a valid gateway-receipt.v1/)
        expect(yield* ledger.transfers).toEqual([])
      }).pipe(Effect.provide(ledgerOn(storeLayer))))

    it.effect("a hold needs available funds; a missing account reads as zero", () =>
      Effect.gen(function*() {
        const ledger = yield* Ledger
        yield* openParticipants()
        const blocked = yield* Effect.flip(ledger.createHold(holdFor("a", accountIdFor(adam.id), 1)))
        expect(blocked._tag).toBe("InsufficientFunds")
        expect(yield* ledger.balance("account:nobody")).toEqual({ available: 0, held: 0 })
        yield* topUp()
        yield* ledger.createHold(holdFor("b", accountIdFor(adam.id), 45000))
        const more = yield* Effect.flip(ledger.createHold(holdFor("c", accountIdFor(adam.id), 1)))
        expect(more.message).toMatch(/has 0 ORC minor units available, 1 requested/)
        // The same hold again returns it; other terms under its id are refused.
        expect((yield* ledger.createHold(holdFor("b", accountIdFor(adam.id), 45000)))["hold/id"]).toBe("hold:b")
        expect((yield* Effect.flip(ledger.createHold(holdFor("b", accountIdFor(ola.id), 45000))))._tag).toBe("LedgerInputInvalid")
      }).pipe(Effect.provide(ledgerOn(storeLayer))))

    it.effect("deadlines: work-by refunds an undelivered hold, auto-release releases a delivered one, a dispute freezes", () =>
      Effect.gen(function*() {
        const ledger = yield* Ledger
        yield* openParticipants()
        yield* topUp()
        const payee = accountIdFor(adam.id)
        for (const n of ["late", "done", "disputed", "rejected"]) yield* ledger.createHold(holdFor(n, payee, 1000))
        yield* ledger.delivered("hold:done")
        yield* ledger.delivered("hold:disputed")
        yield* ledger.delivered("hold:rejected")
        expect(yield* ledger.sweep).toEqual([])
        yield* TestClock.adjust("90 minutes")
        expect((yield* Effect.flip(ledger.delivered("hold:late"))).message).toMatch(/work-by passed/)
        const expired = yield* ledger.sweep
        expect(expired.map((o) => [o.hold["hold/id"], o.hold.status, o.hold["resolved-at"]])).toEqual([
          ["hold:late", "refunded", "1970-01-01T01:00:00.000Z"]
        ])
        yield* ledger.reject("hold:rejected", "off topic")
        yield* TestClock.adjust("1 hour")
        expect((yield* Effect.flip(ledger.reject("hold:done", "too late"))).message).toMatch(/accept-by passed .* open a dispute/)
        expect((yield* ledger.dispute("hold:disputed", "case:1")).hold.status).toBe("disputed")
        yield* TestClock.adjust("2 hours")
        expect((yield* Effect.flip(ledger.dispute("hold:done", "case:2"))).message).toMatch(/dispute-by passed/)
        const released = yield* ledger.sweep
        expect(released.map((o) => [o.hold["hold/id"], o.hold.status])).toEqual([["hold:done", "released"]])
        expect(yield* ledger.sweep).toEqual([])
        expect(some(yield* ledger.hold("hold:disputed"))["dispute/case-ref"]).toBe("case:1")
        yield* ledger.refund("hold:disputed", "arbiter: not delivered as agreed")
        expect(yield* ledger.balance(BUYER)).toEqual({ available: 44000, held: 0 })
        expect(yield* ledger.balance(payee)).toEqual({ available: 1000, held: 0 })
        yield* decodes()
      }).pipe(Effect.provide(ledgerOn(storeLayer))))

    it.scoped("the sweeper applies deadlines on its schedule as the clock moves", () =>
      Effect.gen(function*() {
        const ledger = yield* Ledger
        yield* openParticipants()
        yield* topUp()
        yield* ledger.createHold(holdFor("swept", accountIdFor(adam.id), 2500))
        const swept = yield* Deferred.make<ReadonlyArray<string>>()
        yield* runSweeper(sweepSchedule("1 minute"), (moved) => Deferred.succeed(swept, moved.map((o) => `${o.hold["hold/id"]} ${o.hold.status}`)))
        yield* TestClock.adjust("59 minutes")
        expect(yield* Deferred.isDone(swept)).toBe(false)
        yield* TestClock.adjust("2 minutes")
        expect(yield* Deferred.await(swept)).toEqual(["hold:swept refunded"])
        expect(yield* ledger.balance(BUYER)).toEqual({ available: 45000, held: 0 })
      }).pipe(Effect.provide(ledgerOn(storeLayer))))

    it.effect("a repeated release or refund transfers nothing twice; a terminal hold never moves again", () =>
      Effect.gen(function*() {
        const ledger = yield* Ledger
        yield* openParticipants()
        yield* topUp()
        const payee = accountIdFor(ola.id)
        yield* ledger.createHold(holdFor("r", payee, 700))
        yield* ledger.createHold(holdFor("f", payee, 300))
        yield* ledger.createHold(holdFor("v", payee, 200))
        const first = yield* ledger.release("hold:r", "operator")
        const second = yield* ledger.release("hold:r", "operator again")
        expect([first.replayed, second.replayed]).toEqual([false, true])
        expect(second.transfer).toEqual(first.transfer)
        yield* ledger.refund("hold:f", "failed result")
        expect((yield* ledger.refund("hold:f", "failed result")).replayed).toBe(true)
        expect((yield* Effect.flip(ledger.release("hold:f", "no"))).message).toMatch(/already refunded/)
        const voided = yield* ledger.voidHold("hold:v", "dispatch failed")
        expect(voided.hold.status).toBe("refunded")
        expect(voided.hold.policy_annotations).toEqual({ runtime_status: "voided" })
        expect(Option.isNone(voided.transfer)).toBe(true)
        const kinds = (yield* ledger.transfers).map((t) => t.kind)
        expect(kinds.filter((k) => k === "release")).toHaveLength(1)
        expect(kinds.filter((k) => k === "refund")).toHaveLength(1)
        expect(yield* ledger.balance(BUYER)).toEqual({ available: 44300, held: 0 })
        expect(yield* ledger.balance(payee)).toEqual({ available: 700, held: 0 })
        yield* decodes()
      }).pipe(Effect.provide(ledgerOn(storeLayer))))
  })
}

if (STORES.some(([store]) => store === "postgresql")) {
  describe("two ledgers on one PostgreSQL database", () => {
    it.scopedLive("concurrent holds against one payer never overdraw it (the payer's row is locked)", () =>
      Effect.gen(function*() {
        const name = yield* pgDatabase
        const build = Layer.build(ledgerOn(pgClient(name)))
        const first = Context.get(yield* build, Ledger)
        const second = Context.get(yield* build, Ledger)
        for (const subject of [buyer, adam]) {
          yield* first.openAccount({ accountId: accountIdFor(subject.id), purpose: "participant-settlement", ownerKind: "participant", ownerId: subject.id })
        }
        yield* first.topUp(signed(storyReceiptBody(BUYER)))
        const now = yield* TestClock.currentTimeMillis
        const attempts = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? first : second).createHold(holdFor(`c${i}`, accountIdFor(adam.id), 5000, now)))
        const results = yield* Effect.all(attempts.map(Effect.either), { concurrency: "unbounded" })
        expect(results.filter(Either.isRight)).toHaveLength(9)
        expect(results.filter(Either.isLeft).map((r) => r.left._tag)).toEqual(Array.from({ length: 11 }, () => "InsufficientFunds"))
        expect(yield* second.balance(BUYER)).toEqual({ available: 0, held: 45000 })
      }))
  })
}
