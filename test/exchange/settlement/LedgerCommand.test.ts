/**
 * `orbiplex ledger` (src/cli/LedgerCommand.ts) through its Effects, against a real config file and
 * the SQLite store file in its data folder: a signed top-up credited once, the listings as lines
 * and as artifacts, the refusals an operator sees.
 */
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Option, Schema } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { ledgerList, type LedgerOutput, ledgerTopUp, orc } from "../../../src/cli/LedgerHandlers.js"
import { LedgerAccount } from "../../../src/exchange/settlement/artifacts/LedgerAccount.js"
import { LedgerTransfer } from "../../../src/exchange/settlement/artifacts/LedgerTransfer.js"
import { accountIdFor } from "../../../src/exchange/settlement/Ledger.js"
import { tempDir, writeFile } from "../../support/TempFiles.js"
import { gateway, identity, signed, storyReceiptBody } from "./LedgerHarness.js"

const capture = () => {
  const lines: Array<string> = []
  const output: LedgerOutput = { out: (line) => Effect.sync(() => void lines.push(line)) }
  return { lines, output }
}

const buyer = identity("participant")
const BUYER = accountIdFor(buyer.id)

describe("orbiplex ledger", () => {
  it.scopedLive("topup credits a signed receipt once; balances, transfers, receipts and holds show the facts", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const config = writeFile(dir, "node.json", { node: { id: "ledger-cli", data_dir: "./data", log_level: "none" }, modules: [] })
      const receipt = writeFile(dir, "receipt.json", signed(storyReceiptBody(BUYER)))
      const base = { config: Option.some(config), gateways: [gateway.id] }
      const topUp = capture()
      yield* ledgerTopUp({ ...base, receipt, json: false }, topUp.output)
      yield* ledgerTopUp({ ...base, receipt, json: false }, topUp.output)
      expect(topUp.lines).toEqual([
        `credited gateway receipt gw:01JVGW001: 450.00 ORC to ${BUYER}, 50.00 ORC to account:community-pool`,
        `gateway receipt gw:01JVGW001 was already applied: nothing new credited (450.00 ORC to ${BUYER}, 50.00 ORC to account:community-pool)`
      ])
      expect(Fs.existsSync(Path.join(dir, "data", "node.db"))).toBe(true)

      const balances = capture()
      yield* ledgerList("balances", { ...base, json: false }, balances.output)
      expect(balances.lines).toEqual([
        "account:community-pool community-pool: available 50.00 ORC, held 0.00 ORC",
        `${BUYER} participant-settlement: available 450.00 ORC, held 0.00 ORC`
      ])
      const asJson = capture()
      yield* ledgerList("balances", { ...base, json: true }, asJson.output)
      const accounts = yield* Schema.decodeUnknown(Schema.Array(LedgerAccount))(JSON.parse(asJson.lines.join("\n")))
      expect(accounts.map((a) => a["available/balance"])).toEqual([5000, 45000])

      const transfers = capture()
      yield* ledgerList("transfers", { ...base, json: true }, transfers.output)
      const decoded = yield* Schema.decodeUnknown(Schema.Array(LedgerTransfer))(JSON.parse(transfers.lines.join("\n")))
      expect(decoded.map((t) => t["transfer/id"])).toEqual(["transfer:top-up-fee:gw:01JVGW001", "transfer:top-up:gw:01JVGW001"])

      const receipts = capture()
      yield* ledgerList("receipts", { ...base, json: false }, receipts.output)
      expect(receipts.lines).toHaveLength(1)
      expect(receipts.lines[0]).toContain(`gw:01JVGW001 applied`)
      expect(receipts.lines[0]).toContain(`500 PLN via ${gateway.id} -> 450.00 ORC to ${BUYER}, fee 50.00 ORC (gateway-policy:pl-main-prepaid-v1`)

      const holds = capture()
      yield* ledgerList("holds", { ...base, json: false }, holds.output)
      expect(holds.lines).toEqual(["no holds yet"])
    }).pipe(Effect.provide(NodeContext.layer)))

  it.scopedLive("refuses an untrusted gateway, a changed receipt under a known id, and an unreadable file, saying why", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const config = writeFile(dir, "node.json", { node: { id: "ledger-cli", data_dir: "./data", log_level: "none" }, modules: [] })
      const receipt = writeFile(dir, "receipt.json", signed(storyReceiptBody(BUYER)))
      const { output } = capture()
      const untrusted = yield* Effect.flip(ledgerTopUp({ config: Option.some(config), gateways: [], receipt, json: false }, output))
      expect(untrusted.message).toMatch(/gateway node:did:key:z\w+ is not trusted by this node \(trust it explicitly, e\.g\. --gateway/)
      const base = { config: Option.some(config), gateways: [gateway.id], json: false }
      yield* ledgerTopUp({ ...base, receipt }, output)
      const changed = writeFile(dir, "changed.json", signed(storyReceiptBody(BUYER, { "ts": "2026-03-30T07:00:00Z" })))
      const conflict = yield* Effect.flip(ledgerTopUp({ ...base, receipt: changed }, output))
      expect(conflict.message).toMatch(/gw:01JVGW001 was already credited with different content .* nothing was credited/)
      const missing = yield* Effect.flip(ledgerTopUp({ ...base, receipt: Path.join(dir, "nope.json") }, output))
      expect(missing.message).toMatch(/cannot read gateway receipt .*nope\.json/)
    }).pipe(Effect.provide(NodeContext.layer)))

  it("formats ORC minor units", () => {
    expect([orc(0), orc(5), orc(45000), orc(10201), orc(-150)]).toEqual(["0.00 ORC", "0.05 ORC", "450.00 ORC", "102.01 ORC", "-1.50 ORC"])
  })
})
