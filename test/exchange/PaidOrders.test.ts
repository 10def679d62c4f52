/**
 * Paid orders on one node with the real Dators (SETTLEMENT.md §3, same-node case, decisions 4, 10,
 * 11): units charged by the offer's measure, refusals with their `retryable` flag, insufficient funds
 * as `settlement-blocked`, an operator's refusal refunded with a receipt, and the read-only ledger
 * capabilities.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Option, Queue, Schema } from "effect"
import type { Json } from "../../src/contract/Json.js"
import { defaultExchange, type ExchangeSettings } from "../../src/exchange/ExchangeConfig.js"
import { BUYER } from "../../src/exchange/ParticipantKeys.js"
import type { OrderInput } from "../../src/exchange/Procurement.js"
import { ProcurementReceipt } from "../../src/exchange/settlement/artifacts/ProcurementReceipt.js"
import { accountIdFor } from "../../src/exchange/settlement/Ledger.js"
import { expectNoLeftoverProcesses } from "../support/Processes.js"
import { type ExchangeNode, startExchange, storyDators } from "./ExchangeHarness.js"
import { gateway, signed, storyReceiptBody } from "./settlement/LedgerHarness.js"

expectNoLeftoverProcesses()

const paid: ExchangeSettings = {
  ...defaultExchange,
  procurement: { acceptance: "offer-terms", providers: {}, settlement: { rail: "host-ledger", trusted_gateways: [gateway.id] } }
}

const order = (extra: Partial<OrderInput> = {}): OrderInput => ({
  run_id: "wf-paid",
  step_id: "news-1",
  attempt: 1,
  provider_id: "local:dator-news",
  service_type: "news.topical",
  price: 600,
  currency: "ORC",
  input: { topic: "technology" },
  ...extra
})

const topUp = (node: ExchangeNode) =>
  Effect.gen(function*() {
    const ledger = Option.getOrThrow(node.ledger)
    const buyer = yield* node.keys.idOf(BUYER)
    yield* ledger.openAccount({ accountId: accountIdFor(buyer), purpose: "participant-settlement", ownerKind: "participant", ownerId: buyer })
    yield* ledger.topUp(signed(storyReceiptBody(accountIdFor(buyer))))
    return { ledger, buyer: accountIdFor(buyer) }
  })

const intent = (node: ExchangeNode, capability: string, input: Json) =>
  node.intents.execute(
    { intent_id: `${capability}#1`, capability, input },
    { hook: "workflow.event", executorId: "arca", moduleId: "orbiplex-arca", correlationId: "wf-paid", causalityId: "c", deadline: Number.POSITIVE_INFINITY }
  )

describe("paid orders on one node", () => {
  it.scopedLive("charges units × price, refuses above the order's maximum, and says which refusals may be retried", () =>
    Effect.gen(function*() {
      const node = yield* startExchange(storyDators(), { settings: paid })
      const { buyer, ledger } = yield* topUp(node)
      const news = yield* node.procurement.order(order({ units: 3, price: 1800 }))
      expect(news).toMatchObject({ outcome: "completed", order_id: "order:wf-paid:news-1:1", units: 3, price: 1800, settlement: { status: "settled", admission: "admitted" } })
      expect(yield* ledger.balance(buyer)).toEqual({ available: 43200, held: 0 })
      const over = yield* node.procurement.order(order({ step_id: "news-2", units: 3, price: 1799 }))
      expect(over).toMatchObject({ outcome: "rejected", reason: "price-exceeded", retryable: false })
      const stale = yield* node.procurement.order(order({ step_id: "news-3", offer_seq: 99 }))
      expect(stale).toMatchObject({ outcome: "rejected", reason: "offer-seq-mismatch", retryable: true })
      const custodian = yield* node.procurement.order(order({ step_id: "news-4", buyer_id: "participant:did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK" }))
      expect(custodian).toMatchObject({ outcome: "rejected", reason: "custodian-mismatch", retryable: false })
      const blocked = yield* node.procurement.order(order({ step_id: "news-5", units: 100, price: 60_000 }))
      expect(blocked).toMatchObject({ outcome: "rejected", reason: "settlement-blocked", retryable: false })
      // The illustration offer is per item; the redaction offer charges ceil(chars / 1800) blocks of 1000.
      const text = "a".repeat(1801)
      const arrivals = yield* node.acceptance.subscribe
      const redaction = yield* Effect.fork(node.procurement.order(order({
        step_id: "redact-1", provider_id: "local:dator-redaction", service_type: "redaction.pl", price: 2000, input: { text }
      })))
      const pendingOrder = yield* Queue.take(arrivals)
      expect((yield* node.acceptance.pending).map((p) => p.order_id)).toEqual([pendingOrder.order_id])
      expect(pendingOrder).toMatchObject({ order_id: "order:wf-paid:redact-1:1", amount: 2000 })
      yield* node.acceptance.accept(pendingOrder.order_id)
      expect(yield* Fiber.join(redaction)).toMatchObject({ outcome: "completed", units: 2, price: 2000 })
      expect(yield* ledger.balance(buyer)).toEqual({ available: 41200, held: 0 })
    }))

  it.scopedLive("an operator's refusal refunds the hold with a receipt; the ledger capabilities read accounts and receipts", () =>
    Effect.gen(function*() {
      const node = yield* startExchange(storyDators(), { settings: paid })
      const { buyer, ledger } = yield* topUp(node)
      const arrivals = yield* node.acceptance.subscribe
      const refused = yield* Effect.fork(node.procurement.order(order({
        step_id: "redact-1", provider_id: "local:dator-redaction", service_type: "redaction.pl", price: 1000, input: { text: "Ala ma kota" }
      })))
      const waiting = yield* Queue.take(arrivals)
      expect(yield* ledger.balance(buyer)).toEqual({ available: 44000, held: 1000 })
      yield* node.acceptance.refuse(waiting.order_id, "not today")
      const outcome = yield* Fiber.join(refused)
      expect(outcome).toMatchObject({ outcome: "rejected", reason: "order-refused", retryable: false, settlement: { status: "rejected", receipt_id: "receipt:wf-paid:redact-1:1" } })
      expect(yield* ledger.balance(buyer)).toEqual({ available: 45000, held: 0 })

      const account = yield* intent(node, "ledger.account.get", {})
      expect(account).toMatchObject({ status: "ok", result: { account_id: buyer, found: true, account: { "available/balance": 45000, "held/balance": 0 } } })
      const pool = yield* intent(node, "ledger.account.get", { account_id: "account:community-pool" })
      expect(pool).toMatchObject({ status: "ok", result: { found: true, account: { "account/purpose": "community-pool", "available/balance": 5000 } } })
      const receipt = yield* intent(node, "procurement.receipt.get", { order_id: "order:wf-paid:redact-1:1" })
      expect(receipt).toMatchObject({ status: "ok", result: { found: true, receipt: { outcome: "rejected", "rejection/reason": "order-refused" } } })
      if (receipt.status === "ok" && typeof receipt.result === "object" && receipt.result !== null && "receipt" in receipt.result) {
        yield* Schema.decodeUnknown(ProcurementReceipt)(receipt.result.receipt)
      }
      expect(yield* intent(node, "procurement.receipt.get", { receipt_id: "receipt:none" })).toMatchObject({ status: "ok", result: { found: false } })
    }))
})
