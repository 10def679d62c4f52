/**
 * SIGKILL drill 1 (issue 11 item 7): a seller node dies with an order in flight. The buyer (Arca)
 * orders one paid news item from a seller node whose model call the drill holds; once the order has
 * reached the seller's model, the seller host is SIGKILLed (its Dator must go down with it on stdin
 * EOF). At work-by the buyer refunds that attempt's hold; Arca retries as the template's posture says;
 * the seller starts again on its data folder, and a later attempt completes. In the end the buyer has
 * paid the step exactly once.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { tempDir } from "../../support/TempFiles.js"
import { oneStepTemplate, STEP_PRICE } from "./DrillConfigs.js"
import { expectPaidOnce, makePair, runEnd, startPair } from "./DrillPair.js"
import { drillPlatform, eventually, ledger, showLogsOnFailure, textAt } from "./NodeProcesses.js"

const BUYER_HOST = "127.0.0.31"
const SELLER_HOST = "127.0.0.32"
const RUN_ID = "drill-seller-killed"


describe("SIGKILL drill: the seller node", () => {
  it.scopedLive("dies with an order in flight: the buyer refunds at work-by, retries, and pays once after the seller is back", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const pair = yield* makePair(dir, { buyer: BUYER_HOST, seller: SELLER_HOST }, "6s")
      const { buyer, model, seller } = pair
      yield* Effect.gen(function*() {
        const { buyerAccount, buyerClients, firstSeller, payeeAccount } = yield* startPair(pair)

        const accepted = yield* buyerClients.work.startRun({ template: oneStepTemplate(8), run_id: RUN_ID })
        yield* model.firstCall
        const modules = yield* seller.crash(firstSeller)
        expect(modules.length).toBeGreaterThan(0)

        // At work-by the first attempt's hold comes back to the buyer as expired.
        const firstHold = `hold:${RUN_ID}:news-1:1`
        const refunded = yield* eventually("the first attempt's hold refunded", Effect.map(ledger(buyer, "holds"), (holds) =>
          Option.fromNullable(holds.find((hold) => hold["hold/id"] === firstHold && hold.status === "refunded"))))
        expect(refunded["notes"]).toBe("work-by-passed")
        const refunds = (yield* ledger(buyer, "transfers")).filter((transfer) => transfer["hold/id"] === firstHold)
        expect(refunds.map((transfer) => [transfer.kind, transfer["to/account-id"], transfer.amount])).toEqual([["refund", buyerAccount, STEP_PRICE]])

        yield* model.open
        yield* seller.start
        const run = yield* runEnd(buyerClients, accepted.run_id)
        expect(run.status, JSON.stringify(run.failure)).toBe("completed")
        expect(run.events.some((event) => event.event === "workflow/step-retry-scheduled")).toBe(true)

        const holds = yield* ledger(buyer, "holds")
        const transfers = yield* ledger(buyer, "transfers")
        const releases = transfers.filter((transfer) => transfer.kind === "release")
        expect(releases.map((transfer) => [transfer["to/account-id"], transfer.amount])).toEqual([[payeeAccount, STEP_PRICE]])
        const released = holds.filter((hold) => hold.status === "released")
        expect(released.map((hold) => hold["hold/id"])).toEqual([textAt(releases[0]?.["hold/id"])])
        expect(released[0]?.["hold/id"]).not.toBe(firstHold)
        expect(holds.filter((hold) => hold.status !== "released").map((hold) => hold.status)).toEqual(
          holds.filter((hold) => hold.status !== "released").map(() => "refunded")
        )
        yield* expectPaidOnce(buyer, { buyer: buyerAccount, payee: payeeAccount }, STEP_PRICE)
      }).pipe(showLogsOnFailure([seller, buyer]))
    }).pipe(Effect.provide(drillPlatform)), { timeout: 150_000 })
})
