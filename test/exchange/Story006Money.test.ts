/**
 * Story 006 on one node with money (SETTLEMENT.md §4): examples/story-006.json (three Dators and
 * Arca) runs morning-briefing on rail host-ledger. The buyer is topped up by a signed gateway receipt
 * (45000 net, 5000 fee to the pool); Ola's orders (auto_accept false) wait for acceptance and the
 * test accepts them as her operator would; the end balances are the story's.
 */
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Clock, Effect, Either, Fiber, Option, Queue, Schema } from "effect"
import * as Path from "node:path"
import { loadExchangeConfig } from "../../src/cli/WorkflowHandlers.js"
import { defaultExchange, type ExchangeSettings } from "../../src/exchange/ExchangeConfig.js"
import { BUYER } from "../../src/exchange/ParticipantKeys.js"
import { verifyOffer } from "../../src/exchange/MarketArtifacts.js"
import { LedgerHold } from "../../src/exchange/settlement/artifacts/LedgerHold.js"
import { LedgerTransfer } from "../../src/exchange/settlement/artifacts/LedgerTransfer.js"
import { ProcurementContract } from "../../src/exchange/settlement/artifacts/ProcurementContract.js"
import { ProcurementReceipt } from "../../src/exchange/settlement/artifacts/ProcurementReceipt.js"
import { ResponseEnvelope } from "../../src/exchange/settlement/artifacts/ResponseEnvelope.js"
import { LedgerAccount } from "../../src/exchange/settlement/artifacts/LedgerAccount.js"
import { accountIdFor } from "../../src/exchange/settlement/Ledger.js"
import { Launch, ModuleEntry } from "../../src/contract/ModuleEntry.js"
import { REPO_ROOT, RUN_MARKER } from "../support/Fixture.js"
import { expectNoLeftoverProcesses } from "../support/Processes.js"
import { fastRetries, MORNING_TEMPLATE, readJsonObject, startExchange } from "./ExchangeHarness.js"
import { gateway, signed, storyReceiptBody } from "./settlement/LedgerHarness.js"

expectNoLeftoverProcesses()

const paid: ExchangeSettings = {
  ...defaultExchange,
  procurement: { acceptance: "offer-terms", providers: {}, settlement: { rail: "host-ledger", trusted_gateways: [gateway.id] } }
}

describe("story 006 with money, on one node", () => {
  it.scopedLive("tops up, runs morning-briefing with Ola's orders accepted by her operator, and ends at the story's balances", () =>
    Effect.gen(function*() {
      const { config } = yield* loadExchangeConfig(Path.join(REPO_ROOT, "examples", "story-006.json")).pipe(Effect.provide(NodeContext.layer))
      // The test's marker on each launch, so the leftover-process check finds them.
      const modules = config.modules.map((entry) =>
        ModuleEntry.make({ ...entry, launch: Launch.make({ ...entry.launch, args: [...entry.launch.args, RUN_MARKER] }) }))
      const node = yield* startExchange(modules, { settings: paid })
      const ledger = Option.getOrThrow(node.ledger)
      // Each provider's offer is published in the orbidocs shape, signed by its own participant key.
      const now = yield* Clock.currentTimeMillis
      for (const offer of yield* node.catalog.all) {
        const verified = Either.getOrThrow(verifyOffer(offer.service_offer, { now }))
        expect(verified["provider/participant-id"]).toBe(yield* node.keys.idOf(offer.executor_id))
      }
      const participants = yield* Effect.forEach(["dator-news", "dator-redaction", "dator-illustration", BUYER], node.keys.idOf)
      expect(new Set(participants).size).toBe(4)
      const buyer = yield* node.keys.idOf(BUYER)
      const buyerAccount = accountIdFor(buyer)
      yield* ledger.openAccount({ accountId: buyerAccount, purpose: "participant-settlement", ownerKind: "participant", ownerId: buyer })
      const topUp = yield* ledger.topUp(signed(storyReceiptBody(buyerAccount)))
      expect(topUp.transfers.map((t) => t.amount)).toEqual([45000, 5000])

      // Ola's operator: accepts every order that waits for her, as it arrives.
      const arrivals = yield* node.acceptance.subscribe
      const accepted: Array<string> = []
      const operator = yield* Effect.fork(Effect.forever(Effect.flatMap(Queue.take(arrivals), (order) =>
        Effect.zipRight(Effect.sync(() => accepted.push(`${order.provider_id} ${order.amount}`)), Effect.orDie(node.acceptance.accept(order.order_id))))))

      const template = fastRetries(readJsonObject(MORNING_TEMPLATE))
      const outcome = yield* node.runner.start({ template, params: { date: "2026-03-30" }, runId: "wf-money" })
      yield* Fiber.interrupt(operator)
      expect(outcome.status).toBe("completed")
      expect(accepted.length).toBeGreaterThanOrEqual(6)
      expect(accepted.every((line) => line.startsWith("local:dator-redaction"))).toBe(true)

      const balance = (id: string) => Effect.map(ledger.balance(id), (b) => [b.available, b.held])
      const payee = (executor: string) => Effect.flatMap(node.keys.idOf(executor), (id) => balance(accountIdFor(id)))
      expect({
        buyer: yield* balance(buyerAccount),
        adam: yield* payee("dator-news"),
        ola: yield* payee("dator-redaction"),
        marcin: yield* payee("dator-illustration"),
        pool: yield* balance(ledger.poolAccountId)
      }).toEqual({ buyer: [34800, 0], adam: [1200, 0], ola: [6000, 0], marcin: [3000, 0], pool: [5000, 0] })

      // Every artifact the run produced decodes with the project's Schema for it.
      const records = yield* node.records.all
      const settled = records.filter((r) => r.receipt?.outcome === "settled")
      expect(settled).toHaveLength(14)
      for (const record of records) {
        yield* Schema.decodeUnknown(ProcurementContract)(record.contract)
        if (record.receipt !== undefined) yield* Schema.decodeUnknown(ProcurementReceipt)(record.receipt)
        if (record.envelope !== undefined) yield* Schema.decodeUnknown(ResponseEnvelope)(record.envelope)
      }
      for (const hold of yield* ledger.holds) yield* Schema.decodeUnknown(LedgerHold)(hold)
      for (const transfer of yield* ledger.transfers) yield* Schema.decodeUnknown(LedgerTransfer)(transfer)
      for (const account of yield* ledger.accounts) yield* Schema.decodeUnknown(LedgerAccount)(account)
      // 14 paid orders (packaging is free) each hold once; none stays held.
      const holds = yield* ledger.holds
      expect(holds.filter((h) => h.status === "released")).toHaveLength(14)
      expect(holds.filter((h) => h.status === "active")).toEqual([])
    }))
})
