/**
 * The host-ledger rail (SETTLEMENT.md §3, same node) on a real SQLite ledger: hold → contract →
 * admission → envelope → release or refund → receipt signed by payer and payee; replays book
 * nothing twice, a different result is refused, insufficient funds block, the deadline cascade runs
 * on the host's clock, and every artifact decodes with its Schema.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option, Schema, TestClock } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { BUYER, layer as keysLayer, ParticipantKeys } from "../../../src/exchange/ParticipantKeys.js"
import { Settlement, type SettlementOrder } from "../../../src/exchange/Settlement.js"
import { verify } from "../../../src/exchange/settlement/ArtifactSignature.js"
import { LedgerHold } from "../../../src/exchange/settlement/artifacts/LedgerHold.js"
import { LedgerTransfer } from "../../../src/exchange/settlement/artifacts/LedgerTransfer.js"
import { ProcurementContract } from "../../../src/exchange/settlement/artifacts/ProcurementContract.js"
import { ProcurementReceipt } from "../../../src/exchange/settlement/artifacts/ProcurementReceipt.js"
import { ResponseEnvelope } from "../../../src/exchange/settlement/artifacts/ResponseEnvelope.js"
import { accountIdFor, Ledger } from "../../../src/exchange/settlement/Ledger.js"
import { LedgerRail, layer as railLayer, RECEIPT_DOMAIN } from "../../../src/exchange/settlement/LedgerRail.js"
import * as SettlementRecords from "../../../src/exchange/settlement/SettlementRecords.js"
import { ledgerOn, node, signed, sqliteLayer, storyReceiptBody } from "./LedgerHarness.js"

const keysInTempDir = Layer.unwrapScoped(Effect.map(
  Effect.acquireRelease(
    Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "orbiplex-rail-"))),
    (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
  ),
  keysLayer
))

const testLayer = railLayer({ accept: 60_000, dispute: 60_000, autoRelease: 0 }).pipe(
  Layer.provideMerge(ledgerOn(sqliteLayer)),
  Layer.provideMerge(SettlementRecords.layer),
  Layer.provideMerge(keysInTempDir)
)

const setUp = Effect.gen(function*() {
  const keys = yield* ParticipantKeys
  const ledger = yield* Ledger
  const buyer = yield* keys.idOf(BUYER)
  const adam = yield* keys.idOf("dator-news")
  yield* ledger.openAccount({ accountId: accountIdFor(buyer), purpose: "participant-settlement", ownerKind: "participant", ownerId: buyer })
  yield* ledger.topUp(signed(storyReceiptBody(accountIdFor(buyer))))
  const orderOf = (id: string, amount: number, workBy = 1_800_000): SettlementOrder => ({
    order_id: `order:wf:${id}:1`, offer_id: "offer:adam-news-01", offer_seq: 1, provider_id: "local:dator-news",
    provider_participant_id: adam, buyer_id: buyer, node_id: node.id, amount, currency: "ORC", work_by_ms: workBy, answer_format: "markdown"
  })
  return { buyer, adam, ledger, orderOf, settlement: yield* Settlement, records: yield* SettlementRecords.SettlementRecords, rail: yield* LedgerRail }
})

const delivery = { content: "# Morning news", format: "markdown", confidence: 0.7, human_linked: false }

const stripSignatures = (receipt: ProcurementReceipt) => {
  const { "payee/signature": _payee, "payer/signature": _payer, ...body } = receipt
  return body
}

describe("the host-ledger rail", () => {
  it.scoped("a completed order: hold, contract, admission, envelope, release and a receipt signed by payer and payee", () =>
    Effect.gen(function*() {
      const { adam, buyer, ledger, orderOf, records, settlement } = yield* setUp
      const held = yield* settlement.hold(orderOf("news-1", 600))
      expect(held).toMatchObject({ rail: "host-ledger", hold_id: "hold:wf:news-1:1", contract_id: "contract:wf:news-1:1", amount: 600 })
      expect(yield* ledger.balance(accountIdFor(buyer))).toEqual({ available: 44400, held: 600 })
      const settled = yield* settlement.capture(held, delivery)
      expect(settled).toMatchObject({ status: "settled", admission: "admitted", receipt_id: "receipt:wf:news-1:1", transfer_ids: ["transfer:release:hold:wf:news-1:1"] })
      expect(yield* ledger.balance(accountIdFor(buyer))).toEqual({ available: 44400, held: 0 })
      expect(yield* ledger.balance(accountIdFor(adam))).toEqual({ available: 600, held: 0 })
      const record = Option.getOrThrow(yield* records.get("order:wf:news-1:1"))
      const contract = yield* Schema.decodeUnknown(ProcurementContract)(record.contract)
      expect(contract).toMatchObject({ status: "settled", "settlement/rail": "host-ledger", "escrow/hold-ref": "hold:wf:news-1:1", "payee/account-ref": adam })
      const envelope = yield* Schema.decodeUnknown(ResponseEnvelope)(record.envelope)
      expect(envelope).toMatchObject({ "contract/id": contract["contract/id"], "receipt/id": "receipt:wf:news-1:1", "source/participant-id": adam })
      const receipt = yield* Schema.decodeUnknown(ProcurementReceipt)(record.receipt)
      expect(receipt).toMatchObject({ outcome: "settled", "settlement/hold-ref": "hold:wf:news-1:1", "payer/participant-id": buyer })
      for (const [signer, value] of [[buyer, receipt["payer/signature"]], [adam, receipt["payee/signature"]]] as const) {
        expect(verify(RECEIPT_DOMAIN, stripSignatures(receipt), signer, { alg: "ed25519", value: String(value).replace(/^ed25519:/, "") })).toBeUndefined()
      }
      for (const hold of yield* ledger.holds) yield* Schema.decodeUnknown(LedgerHold)(hold)
      for (const transfer of yield* ledger.transfers) yield* Schema.decodeUnknown(LedgerTransfer)(transfer)
    }).pipe(Effect.provide(testLayer)))

  it.scoped("a replayed result is already-present and books nothing; a different result is refused", () =>
    Effect.gen(function*() {
      const { ledger, orderOf, rail, settlement } = yield* setUp
      const held = yield* settlement.hold(orderOf("news-2", 600))
      yield* settlement.capture(held, delivery)
      const transfers = (yield* ledger.transfers).length
      expect(yield* settlement.capture(held, delivery)).toMatchObject({ admission: "already-present", status: "settled" })
      expect(yield* rail.admit(held.order_id, delivery)).toBe("already-present")
      const conflict = yield* Effect.flip(rail.admit(held.order_id, { ...delivery, content: "# Other news" }))
      expect(conflict.message).toContain("result-conflict: a different result")
      expect(yield* Effect.flip(settlement.capture(held, { ...delivery, content: "# Other news" }))).toMatchObject({ _tag: "SettlementFailed" })
      expect((yield* ledger.transfers).length).toBe(transfers)
      // The same intent re-proposed reuses its hold: the second hold call finds it and reserves nothing more.
      expect(yield* settlement.hold(orderOf("news-2", 600))).toMatchObject({ hold_id: "hold:wf:news-2:1" })
    }).pipe(Effect.provide(testLayer)))

  it.scoped("an order placed again after its node restarted keeps its first hold and work-by, even one computed later", () =>
    Effect.gen(function*() {
      const { buyer, ledger, orderOf, settlement } = yield* setUp
      const first = yield* settlement.hold(orderOf("news-3", 600, 120_000))
      yield* TestClock.adjust(5_000)
      // The restarted node derives a later work-by from its own clock; the ledger keeps the first.
      const again = yield* settlement.hold(orderOf("news-3", 600, 125_000))
      expect(again).toMatchObject({ hold_id: first.hold_id, work_by_ms: 120_000 })
      expect(yield* ledger.balance(accountIdFor(buyer))).toEqual({ available: 44400, held: 600 })
      const other = yield* Effect.flip(settlement.hold(orderOf("news-3", 700, 125_000)))
      expect(other.message).toContain("exists for other parties or another amount")
      yield* settlement.capture(again, delivery)
      expect((yield* ledger.transfers).filter((t) => t.kind === "release")).toHaveLength(1)
    }).pipe(Effect.provide(testLayer)))

  it.scoped("a rejected order is refunded once, with a receipt citing the refund; insufficient funds block the hold", () =>
    Effect.gen(function*() {
      const { buyer, ledger, orderOf, records, settlement } = yield* setUp
      const held = yield* settlement.hold(orderOf("redact-1", 1000))
      const first = yield* settlement.release(held, { outcome: "rejected", reason: "queue-saturated" })
      const again = yield* settlement.release(held, { outcome: "rejected", reason: "queue-saturated" })
      expect(first).toMatchObject({ status: "rejected", transfer_ids: ["transfer:refund:hold:wf:redact-1:1"] })
      expect(again).toMatchObject({ transfer_ids: ["transfer:refund:hold:wf:redact-1:1"] })
      expect((yield* ledger.transfers).filter((t) => t.kind === "refund")).toHaveLength(1)
      expect(yield* ledger.balance(accountIdFor(buyer))).toEqual({ available: 45000, held: 0 })
      const receipt = yield* Schema.decodeUnknown(ProcurementReceipt)(Option.getOrThrow(yield* records.get(held.order_id)).receipt)
      expect(receipt).toMatchObject({ outcome: "rejected", "rejection/reason": "queue-saturated", "settlement/ref": "transfer:refund:hold:wf:redact-1:1" })
      const blocked = yield* Effect.flip(settlement.hold(orderOf("big", 45001)))
      expect(blocked).toMatchObject({ _tag: "SettlementBlocked" })
      expect(blocked.message).toContain("top it up with a gateway receipt")
    }).pipe(Effect.provide(testLayer)))

  it.scoped("the deadline cascade on the host's clock: work-by refunds an undelivered hold; a zero price holds nothing", () =>
    Effect.gen(function*() {
      const { buyer, ledger, orderOf, settlement } = yield* setUp
      const held = yield* settlement.hold(orderOf("late", 500, 10_000))
      yield* TestClock.adjust(9_999)
      expect(yield* ledger.sweep).toEqual([])
      yield* TestClock.adjust(1)
      const swept = yield* ledger.sweep
      expect(swept.map((o) => [o.hold["hold/id"], o.hold.status])).toEqual([[held.hold_id, "refunded"]])
      expect(yield* ledger.balance(accountIdFor(buyer))).toEqual({ available: 45000, held: 0 })
      const free = yield* settlement.hold(orderOf("free", 0))
      expect(free.hold_id).toBeNull()
      const settled = yield* settlement.capture(free, delivery)
      expect(settled).toMatchObject({ status: "settled", transfer_ids: [] })
    }).pipe(Effect.provide(testLayer)))
})
