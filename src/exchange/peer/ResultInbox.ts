/**
 * The buyer's seam for delivered results (SETTLEMENT.md §2 admission): the peer server hands it a
 * result from an authenticated seller node; the inbox answers `admitted` the first time,
 * `already-present` for the same result again, and refuses a different one (409). The node's inbox
 * is BuyerInbox (the order-level admission checks) over `makeReference`'s digest bookkeeping.
 */
import { Context, Deferred, Effect, Schema } from "effect"
import * as Crypto from "node:crypto"
import { encode, NotEncodable } from "../settlement/DeterministicCbor.js"
import { ResultConflict } from "./PeerErrors.js"
import type { ServiceOrderResult } from "./PeerMessages.js"

/** The result is not one this node can take from this sender (answered 403). */
export class ResultRefused extends Schema.TaggedError<ResultRefused>()("ResultRefused", {
  request_id: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `the result for ${this.request_id} was refused: ${this.reason}`
  }
}

/** How a delivered result was taken. */
export type Admission = "admitted" | "already-present"

/** The buyer's inbox. */
export class ResultInbox extends Context.Tag("orbiplex/ResultInbox")<ResultInbox, {
  /** Admits `result` delivered by node `from` (or recovered by polling it). */
  readonly admit: (from: string, result: ServiceOrderResult) => Effect.Effect<Admission, ResultConflict | ResultRefused>
}>() {}

/** The digest results are compared by: SHA-256 of their deterministic CBOR. */
export const resultDigest = (result: ServiceOrderResult): string => {
  const bytes = encode(result)
  return Crypto.createHash("sha256").update(bytes instanceof NotEncodable ? JSON.stringify(result) : bytes).digest("hex")
}

/** An in-memory inbox, and a way to wait for a request's first admitted result. */
export const makeReference = Effect.gen(function*() {
  const admitted = new Map<string, string>()
  const waiting = new Map<string, Deferred.Deferred<ServiceOrderResult>>()
  const slot = (requestId: string) =>
    Effect.gen(function*() {
      const existing = waiting.get(requestId)
      if (existing !== undefined) return existing
      const made = yield* Deferred.make<ServiceOrderResult>()
      waiting.set(requestId, made)
      return made
    })

  const inbox = ResultInbox.of({
    admit: (from, result) =>
      Effect.gen(function*() {
        if (result["provider/node-id"] !== from) {
          return yield* new ResultRefused({
            request_id: result.request_id,
            reason: `it names provider ${result["provider/node-id"]} but was sent by ${from}`
          })
        }
        const digest = resultDigest(result)
        const first = admitted.get(result.request_id)
        if (first === digest) return "already-present" as const
        if (first !== undefined) {
          return yield* new ResultConflict({ request_id: result.request_id, reason: `digest ${digest} differs from the admitted ${first}` })
        }
        admitted.set(result.request_id, digest)
        yield* Deferred.succeed(yield* slot(result.request_id), result)
        return "admitted" as const
      })
  })
  return {
    inbox,
    /** The first admitted result of `requestId`, once there is one. */
    awaitResult: (requestId: string) => Effect.flatMap(slot(requestId), Deferred.await)
  }
})
