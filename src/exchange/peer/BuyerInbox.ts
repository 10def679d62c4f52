/**
 * The buyer node's ResultInbox (SETTLEMENT.md §2 admission, §3 step 9): a result is admitted only
 * for a request this node dispatched and still waits on, from the node it was dispatched to, naming
 * the provider participant, service type and correlation the order named, signed by that payee
 * participant (its signature rides in `settlement/refs`). Only then are digests
 * compared (the same result again is `already-present`, a different one a conflict) and the waiting
 * order woken. Nothing here touches money: procurement settles once it has the result.
 */
import { Context, Effect, Layer } from "effect"
import { verify } from "../settlement/ArtifactSignature.js"
import { PAYEE_SIGNATURE_PREFIX, payeeSignatureOf, payeeSignedPart, RESULT_DOMAIN, type ServiceOrderResult } from "./PeerMessages.js"
import * as ResultInbox from "./ResultInbox.js"

/** What a dispatched order expects its result to say. */
export interface Expectation {
  readonly provider_node_id: string
  readonly provider_participant_id: string
  readonly service_type: string
  readonly correlation_id: string
}

/** The inbox, and the buyer's side of it. */
export class BuyerInbox extends Context.Tag("orbiplex/BuyerInbox")<BuyerInbox, {
  readonly inbox: ResultInbox.ResultInbox["Type"]
  /** Registers a request before it is dispatched, so its delivery can be admitted. */
  readonly expect: (requestId: string, expectation: Expectation) => Effect.Effect<void>
  /** The first admitted result of a request. */
  readonly awaitResult: (requestId: string) => Effect.Effect<ServiceOrderResult>
}>() {}

/** The first field of `result` that differs from what its order expects, as a sentence. */
const mismatch = (result: ServiceOrderResult, expected: Expectation): string | undefined =>
  result["provider/participant-id"] !== expected.provider_participant_id
    ? `it names provider ${result["provider/participant-id"]}, the order ${expected.provider_participant_id}`
    : result.service_type !== expected.service_type
    ? `it is for ${result.service_type}, the order for ${expected.service_type}`
    : result["correlation/id"] !== expected.correlation_id
    ? `its correlation/id ${result["correlation/id"]} is not the order's ${expected.correlation_id}`
    : undefined

/** An inbox over the reference digest bookkeeping. */
export const make = Effect.gen(function*() {
  const reference = yield* ResultInbox.makeReference
  const expected = new Map<string, Expectation>()

  const admit: ResultInbox.ResultInbox["Type"]["admit"] = (from, result) =>
    Effect.gen(function*() {
      const expectation = expected.get(result.request_id)
      const refuse = (reason: string) => new ResultInbox.ResultRefused({ request_id: result.request_id, reason })
      if (expectation === undefined) return yield* refuse("this node dispatched no such request (or no longer waits on it)")
      if (expectation.provider_node_id !== from) return yield* refuse(`it was dispatched to ${expectation.provider_node_id}, not to ${from}`)
      const wrong = mismatch(result, expectation)
      if (wrong !== undefined) return yield* refuse(wrong)
      const signature = payeeSignatureOf(result)
      if (signature === undefined) return yield* refuse(`it carries no payee signature in settlement/refs (${PAYEE_SIGNATURE_PREFIX}…)`)
      const badSignature = verify(RESULT_DOMAIN, payeeSignedPart(result), result["provider/participant-id"], signature)
      if (badSignature !== undefined) return yield* refuse(`its payee signature is refused: ${badSignature}`)
      return yield* reference.inbox.admit(from, result)
    })

  return BuyerInbox.of({
    inbox: ResultInbox.ResultInbox.of({ admit }),
    expect: (requestId, expectation) => Effect.sync(() => void expected.set(requestId, expectation)),
    awaitResult: reference.awaitResult
  })
})

/** The buyer inbox, and the same inbox as the peer server's ResultInbox (built once). */
export const layer: Layer.Layer<BuyerInbox | ResultInbox.ResultInbox> = Layer.effect(
  ResultInbox.ResultInbox,
  Effect.map(BuyerInbox, (buyer) => buyer.inbox)
).pipe(Layer.provideMerge(Layer.effect(BuyerInbox, make)))
