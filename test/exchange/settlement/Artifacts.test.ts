/**
 * The settlement artifact Schemas (orbidocs shape, SETTLEMENT.md rules): valid examples decode
 * with their extra keys kept, each conditional rule refuses what it must; the deterministic CBOR
 * of signatures gives RFC 8949 Appendix A's bytes; a signed receipt verifies and a changed one not.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { decoderEither, problemText } from "../../../src/exchange/settlement/artifacts/Common.js"
import { GatewayReceipt } from "../../../src/exchange/settlement/artifacts/GatewayReceipt.js"
import { LedgerAccount } from "../../../src/exchange/settlement/artifacts/LedgerAccount.js"
import { LedgerHold } from "../../../src/exchange/settlement/artifacts/LedgerHold.js"
import { LedgerTransfer } from "../../../src/exchange/settlement/artifacts/LedgerTransfer.js"
import { ProcurementContract } from "../../../src/exchange/settlement/artifacts/ProcurementContract.js"
import { ProcurementReceipt } from "../../../src/exchange/settlement/artifacts/ProcurementReceipt.js"
import { ResponseEnvelope } from "../../../src/exchange/settlement/artifacts/ResponseEnvelope.js"
import { GATEWAY_RECEIPT_DOMAIN, verify } from "../../../src/exchange/settlement/ArtifactSignature.js"
import { encode } from "../../../src/exchange/settlement/DeterministicCbor.js"
import { identity, gateway, signed, storyReceiptBody } from "./LedgerHarness.js"

const buyer = identity("participant")
const seller = identity("participant")
const sellerNode = identity("node")
const T = "2026-03-30T06:00:00Z"

const problems = <A, I>(schema: Parameters<typeof decoderEither<A, I>>[0], value: unknown): string =>
  Either.match(decoderEither(schema)(value), { onLeft: problemText, onRight: () => "" })

const contract = {
  "schema/v": 1, "contract/id": "contract:r1:news-1:1", "question/id": "question:r1", "room/id": "room:r1",
  "selected-offer/id": "offer:adam-news-01", "created-at": T, "deadline-at": "2026-03-30T06:30:00Z",
  "asker/node-id": "node:a", "asker/participant-id": buyer.id, "responder/node-id": sellerNode.id, "responder/participant-id": seller.id,
  "payment/amount": 600, "payment/currency": "ORC", "payer/account-ref": buyer.id, "payee/account-ref": seller.id,
  "settlement/rail": "host-ledger", "escrow/node-id": "node:a", "escrow/hold-ref": "hold:r1:news-1:1",
  "escrow-policy/ref": "escrow-policy:host-ledger-mvp", "deadlines/work-by": "2026-03-30T06:30:00Z",
  "deadlines/accept-by": "2026-03-30T07:30:00Z", "deadlines/dispute-by": "2026-03-30T08:30:00Z",
  "deadlines/auto-release": "2026-03-30T09:30:00Z", "acceptance/answer-format": "json", "acceptance/min-length": 1,
  "acceptance/max-length": 20000, "confirmation/mode": "self-confirmed", "status": "pending",
  "source/marketplace-refs": { "offer-id": "offer:adam-news-01", "offer-seq": 1, "order-id": "order:r1:news-1:1" },
  "x-extra": "kept"
}

describe("settlement artifact Schemas", () => {
  it("a host-ledger contract decodes with its extra keys; missing bindings are each named", () => {
    const decoded = decoderEither(ProcurementContract)(contract)
    expect(Either.isRight(decoded) && Reflect.get(decoded.right, "x-extra")).toBe("kept")
    const { "escrow/hold-ref": _hold, "deadlines/accept-by": _accept, ...partial } = contract
    const text = problems(ProcurementContract, { ...partial, "payment/currency": "PLN" })
    expect(text).toContain("escrow/hold-ref: is required on the host-ledger rail")
    expect(text).toContain("deadlines/accept-by: deadlines come all four or none")
    expect(text).toContain("payment/currency: must be ORC on the host-ledger rail")
    expect(problems(ProcurementContract, { ...contract, "confirmation/mode": "arbiter-confirmed" })).toContain("acceptance/arbiter-set")
    expect(problems(ProcurementContract, { ...contract, "payer/account-ref": "account:x" })).toContain("payer/account-ref")
  })

  it("a response envelope ties human participation to its origin classes", () => {
    const envelope = {
      "schema/v": 1, "response/id": "response:1", "question/id": "question:r1", "contract/id": "contract:r1:news-1:1",
      "created-at": T, "source/node-id": sellerNode.id, "source/participant-id": seller.id, "answer/content": { items: [] },
      "answer/format": "json", "confidence/signal": 0.8, "human-linked-participation": false, "provenance/origin-classes": ["node-generated"]
    }
    expect(problems(ResponseEnvelope, envelope)).toBe("")
    expect(problems(ResponseEnvelope, { ...envelope, "human-linked-participation": true })).toContain("human-linked participation needs")
    expect(problems(ResponseEnvelope, { ...envelope, "source/node-id": "node-a" })).toContain("source/node-id")
    expect(problems(ResponseEnvelope, { ...envelope, "answer/content": {} })).toContain("at least one key")
  })

  it("a procurement receipt needs signatures when settled, a reason otherwise, and ledger refs on host-ledger", () => {
    const receipt = {
      "schema/v": 1, "receipt/id": "receipt:1", "contract/id": "contract:1", "question/id": "question:1", "created-at": T,
      "payer/participant-id": buyer.id, "payee/participant-id": seller.id, "outcome": "settled", "confirmation/mode": "self-confirmed",
      "settled-at": T, "answer/accepted": true, "payer/signature": "sig:payer", "payee/signature": "sig:payee",
      "settlement/rail": "host-ledger", "settlement/ref": "transfer:release:hold:1", "settlement/hold-ref": "hold:1",
      "settlement/transfer-refs": ["transfer:release:hold:1"]
    }
    expect(problems(ProcurementReceipt, receipt)).toBe("")
    expect(problems(ProcurementReceipt, { ...receipt, "outcome": "expired" })).toContain("rejection/reason: is required when the outcome is expired")
    expect(problems(ProcurementReceipt, { ...receipt, "answer/accepted": false })).toContain("answer/accepted: must be true")
    expect(problems(ProcurementReceipt, { ...receipt, "settlement/transfer-refs": ["t", "t"] })).toContain("unique")
    const { "settlement/hold-ref": _h, ...unbound } = receipt
    expect(problems(ProcurementReceipt, unbound)).toContain("settlement/hold-ref: is required on the host-ledger rail")
  })

  it("holds, transfers and accounts enforce their per-status and per-kind fields", () => {
    const hold = {
      "schema/v": 1, "hold/id": "hold:1", "contract/id": "contract:1", "payer/account-id": "account:a", "payee/account-id": "account:b",
      "escrow/node-id": "node:a", "escrow-policy/ref": "escrow-policy:mvp", "amount": 600, "unit": "ORC", "status": "active",
      "created-at": T, "work-by": T, "accept-by": T, "dispute-by": T, "auto-release-after": T
    }
    expect(problems(LedgerHold, hold)).toBe("")
    expect(problems(LedgerHold, { ...hold, status: "released" })).toContain("resolved-at")
    expect(problems(LedgerHold, { ...hold, status: "disputed" })).toContain("dispute/case-ref")
    expect(problems(LedgerHold, { ...hold, amount: 0 })).toContain("amount")
    expect(problems(LedgerHold, { ...hold, amount: 1.5 })).toContain("amount")
    const transfer = {
      "schema/v": 1, "transfer/id": "t:1", "kind": "release", "from/account-id": "account:a", "to/account-id": "account:b",
      "amount": 600, "unit": "ORC", "created-at": T, "hold/id": "hold:1", "contract/id": "contract:1"
    }
    expect(problems(LedgerTransfer, transfer)).toBe("")
    expect(problems(LedgerTransfer, { ...transfer, kind: "top-up-credit" })).toContain("gateway-receipt/id")
    const pool = {
      "schema/v": 1, "account/id": "account:pool", "account/purpose": "community-pool", "owner/kind": "org",
      "owner/id": identity("org").id, "federation/id": "federation:test", "unit": "ORC", "status": "active", "created-at": T,
      "disbursement/controller-kind": "council", "disbursement/controller-id": identity("council").id
    }
    expect(problems(LedgerAccount, pool)).toBe("")
    expect(problems(LedgerAccount, { ...pool, "owner/kind": "participant" })).toContain("owned by an org")
    expect(problems(LedgerAccount, { ...pool, "disbursement/controller-id": "council:x" })).toContain("council:did:key")
  })

  it("story 006's gateway receipt decodes, verifies, and stops verifying when any byte of it changes", () => {
    const receipt = signed(storyReceiptBody("account:casualfeeders", { "x-extra": { nested: [1, 2.5, null] } }))
    expect(problems(GatewayReceipt, receipt)).toBe("")
    const { "rate/applied": _rate, ...incomplete } = receipt
    expect(problems(GatewayReceipt, incomplete)).toContain("rate/applied: is required for an inbound receipt")
    const signature = { alg: "ed25519", value: String(Reflect.get(Reflect.get(receipt, "signature") ?? {}, "value")) }
    expect(verify(GATEWAY_RECEIPT_DOMAIN, receipt, gateway.id, signature)).toBeUndefined()
    expect(verify(GATEWAY_RECEIPT_DOMAIN, { ...receipt, "x-extra": { nested: [1, 2.5] } }, gateway.id, signature)).toMatch(/does not verify/)
    expect(verify("orbiplex-other-v1", receipt, gateway.id, signature)).toMatch(/does not verify/)
    expect(verify(GATEWAY_RECEIPT_DOMAIN, receipt, identity("node").id, signature)).toMatch(/does not verify/)
  })
})

describe("deterministic CBOR", () => {
  const hex = (value: unknown) => {
    const bytes = encode(value)
    return bytes instanceof Uint8Array ? Buffer.from(bytes).toString("hex") : bytes.reason
  }
  it("gives RFC 8949 Appendix A's bytes", () => {
    const vectors: ReadonlyArray<readonly [unknown, string]> = [
      [0, "00"], [1, "01"], [10, "0a"], [23, "17"], [24, "1818"], [100, "1864"], [1000, "1903e8"], [1000000, "1a000f4240"],
      [1000000000000, "1b000000e8d4a51000"], [-1, "20"], [-10, "29"], [-100, "3863"], [-1000, "3903e7"],
      [1.1, "fb3ff199999999999a"], [1.5, "f93e00"], [3.4028234663852886e+38, "fa7f7fffff"], [1.0e+300, "fb7e37e43c8800759c"],
      [5.960464477539063e-8, "f90001"], [0.00006103515625, "f90400"], [-4.1, "fbc010666666666666"], [0.1, "fb3fb999999999999a"],
      [Infinity, "f97c00"], [NaN, "f97e00"], [-Infinity, "f9fc00"], [false, "f4"], [true, "f5"], [null, "f6"],
      ["", "60"], ["a", "6161"], ["IETF", "6449455446"], ["\"\\", "62225c"], ["\u00fc", "62c3bc"], ["\u6c34", "63e6b0b4"],
      [[], "80"], [[1, 2, 3], "83010203"], [[1, [2, 3], [4, 5]], "8301820203820405"], [{}, "a0"],
      [{ a: 1, b: [2, 3] }, "a26161016162820203"], [["a", { b: "c" }], "826161a161626163"]
    ]
    for (const [value, bytes] of vectors) expect([value, hex(value)]).toEqual([value, bytes])
  })
  it("sorts map keys by their encoded bytes (shorter keys first) and refuses what is not JSON", () => {
    expect(hex({ bb: 1, a: 2, c: 3 })).toBe(hex({ c: 3, a: 2, bb: 1 }))
    expect(hex({ bb: 1, a: 2 })).toBe("a2616102626262" + "01")
    expect(hex({ f: () => 1 })).toContain("function")
  })
})
