/**
 * The buyer's admission of delivered results (SETTLEMENT.md §2): only a result for a request this
 * node dispatched, from the node it went to, naming the order's provider, service type and
 * correlation, signed by that payee; then the same result again is `already-present` and another
 * one a conflict. A tampered result fails its payee signature.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { sign } from "../../../src/exchange/settlement/ArtifactSignature.js"
import { NotEncodable } from "../../../src/exchange/settlement/DeterministicCbor.js"
import * as BuyerInbox from "../../../src/exchange/peer/BuyerInbox.js"
import { PAYEE_SIGNATURE_PREFIX, payeeSignedPart, RESULT_DOMAIN, type ServiceOrderResult } from "../../../src/exchange/peer/PeerMessages.js"
import { newKey } from "./PeerHarness.js"

const seller = newKey()
const stranger = newKey()

const unsigned = (output: string): ServiceOrderResult => ({
  request_id: "request:run-1:news-1:1",
  "correlation/id": "order:run-1:news-1:1",
  service_type: "news.topical",
  status: "completed",
  output: { content: output, format: "markdown" },
  "provider/node-id": seller.nodeId,
  "provider/participant-id": seller.participantId,
  responded_at: "2026-03-30T06:00:00.000Z"
})

/** The result signed by `signer` as its payee would sign it. */
const signedBy = (result: ServiceOrderResult, signer: ReturnType<typeof newKey>): ServiceOrderResult => {
  const signature = sign(RESULT_DOMAIN, payeeSignedPart(result), signer.privateKey)
  return signature instanceof NotEncodable ? result : { ...result, "settlement/refs": [`${PAYEE_SIGNATURE_PREFIX}${signature.value}`] }
}

const expecting = Effect.gen(function*() {
  const buyer = yield* BuyerInbox.make
  yield* buyer.expect("request:run-1:news-1:1", {
    provider_node_id: seller.nodeId,
    provider_participant_id: seller.participantId,
    service_type: "news.topical",
    correlation_id: "order:run-1:news-1:1"
  })
  return buyer
})

const reasonOf = <A, E extends { readonly message: string }>(either: Either.Either<A, E>) =>
  Either.match(either, { onLeft: (error) => error.message, onRight: () => "admitted" })

describe("the buyer's inbox", () => {
  it.effect("admits a signed result once, then answers already-present, and refuses a different one", () =>
    Effect.gen(function*() {
      const buyer = yield* expecting
      const result = signedBy(unsigned("first"), seller)
      expect(yield* buyer.inbox.admit(seller.nodeId, result)).toBe("admitted")
      expect(yield* buyer.inbox.admit(seller.nodeId, result)).toBe("already-present")
      const other = yield* Effect.either(buyer.inbox.admit(seller.nodeId, signedBy(unsigned("second"), seller)))
      expect(Either.isLeft(other) && other.left._tag).toBe("ResultConflict")
      expect((yield* buyer.awaitResult("request:run-1:news-1:1")).output).toEqual({ content: "first", format: "markdown" })
    }))

  it.effect("refuses a tampered, unsigned or wrongly signed result before comparing anything", () =>
    Effect.gen(function*() {
      const buyer = yield* expecting
      const tampered = { ...signedBy(unsigned("first"), seller), output: { content: "changed after signing", format: "markdown" } }
      expect(reasonOf(yield* Effect.either(buyer.inbox.admit(seller.nodeId, tampered)))).toContain("payee signature is refused")
      expect(reasonOf(yield* Effect.either(buyer.inbox.admit(seller.nodeId, unsigned("first"))))).toContain("no payee signature")
      expect(reasonOf(yield* Effect.either(buyer.inbox.admit(seller.nodeId, signedBy(unsigned("first"), stranger))))).toContain("payee signature is refused")
      // None of them took the request: the genuine result is still the first admitted.
      expect(yield* buyer.inbox.admit(seller.nodeId, signedBy(unsigned("first"), seller))).toBe("admitted")
    }))

  it.effect("refuses a result for a request it never dispatched, from another node, or naming another order", () =>
    Effect.gen(function*() {
      const buyer = yield* expecting
      const unknown = signedBy({ ...unsigned("x"), request_id: "request:run-1:news-9:1" }, seller)
      expect(reasonOf(yield* Effect.either(buyer.inbox.admit(seller.nodeId, unknown)))).toContain("dispatched no such request")
      const result = signedBy(unsigned("first"), seller)
      expect(reasonOf(yield* Effect.either(buyer.inbox.admit(stranger.nodeId, result)))).toContain(`not to ${stranger.nodeId}`)
      const otherType = signedBy({ ...unsigned("first"), service_type: "image.generation" }, seller)
      expect(reasonOf(yield* Effect.either(buyer.inbox.admit(seller.nodeId, otherType)))).toContain("it is for image.generation")
      const otherCorrelation = signedBy({ ...unsigned("first"), "correlation/id": "order:run-2:x:1" }, seller)
      expect(reasonOf(yield* Effect.either(buyer.inbox.admit(seller.nodeId, otherCorrelation)))).toContain("correlation/id")
    }))
})
