/**
 * SIGKILL drill 2 (issue 11 item 7): the buyer node dies mid-run and starts again. The buyer (Arca)
 * orders one paid news item from a seller whose model call the drill holds; with the order in flight,
 * the buyer host is SIGKILLed (Arca must go down with it on stdin EOF) and started again on the same
 * data folder. The run resumes from the store and completes once the seller answers, and nothing is
 * booked twice: one hold per order id, one transfer per hold and kind, one release for the paid step.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { tempDir } from "../../support/TempFiles.js"
import { oneStepTemplate, STEP_PRICE } from "./DrillConfigs.js"
import { expectPaidOnce, makePair, runEnd, startPair } from "./DrillPair.js"
import { awaitReady, clientsOf, drillPlatform, ledger, showLogsOnFailure, textAt } from "./NodeProcesses.js"

const BUYER_HOST = "127.0.0.33"
const SELLER_HOST = "127.0.0.34"
const RUN_ID = "drill-buyer-killed"


describe("SIGKILL drill: the buyer node", () => {
  it.scopedLive("dies mid-run with an order in flight: restarted on its data folder, it resumes the run and books nothing twice", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      // Work-by far enough out that the order outlives the buyer's restart.
      const pair = yield* makePair(dir, { buyer: BUYER_HOST, seller: SELLER_HOST }, "2min")
      const { buyer, model, seller } = pair
      yield* Effect.gen(function*() {
        const { buyerAccount, buyerClients: firstClients, firstBuyer, payeeAccount } = yield* startPair(pair)

        const accepted = yield* firstClients.work.startRun({ template: oneStepTemplate(3), run_id: RUN_ID })
        yield* model.firstCall
        const modules = yield* buyer.crash(firstBuyer)
        expect(modules.length).toBeGreaterThan(0)

        yield* buyer.start
        const buyerClients = yield* clientsOf(buyer)
        yield* awaitReady(buyer, buyerClients)
        yield* model.open
        const run = yield* runEnd(buyerClients, accepted.run_id)
        expect(run.status, JSON.stringify(run.failure)).toBe("completed")

        const holds = yield* ledger(buyer, "holds")
        const transfers = yield* ledger(buyer, "transfers")
        const holdIds = holds.map((hold) => textAt(hold["hold/id"]))
        expect(new Set(holdIds).size).toBe(holdIds.length)
        // A hold resolves once: at most one transfer names it.
        const holdTransfers = transfers.map((transfer) => textAt(transfer["hold/id"])).filter((holdId) => holdId !== "")
        expect(new Set(holdTransfers).size).toBe(holdTransfers.length)
        // The resumed run placed the same order again (same order id, so the same hold and request id) and got the seller's first answer.
        expect(holds.map((hold) => [hold["hold/id"], hold.status])).toEqual([[`hold:${RUN_ID}:news-1:1`, "released"]])
        const releases = transfers.filter((transfer) => transfer.kind === "release")
        expect(releases.map((transfer) => [transfer["to/account-id"], transfer.amount])).toEqual([[payeeAccount, STEP_PRICE]])
        expect(holds.filter((hold) => hold.status === "active").map((hold) => hold["hold/id"]), JSON.stringify(run.state, null, 1)).toEqual([])

        yield* expectPaidOnce(buyer, { buyer: buyerAccount, payee: payeeAccount }, STEP_PRICE)
      }).pipe(showLogsOnFailure([seller, buyer]))
    }).pipe(Effect.provide(drillPlatform)), { timeout: 150_000 })
})
