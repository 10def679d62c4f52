/**
 * Rail `host-ledger` (SETTLEMENT.md §3, same-node case): precheck and hold on the ledger, the
 * `procurement-contract.v1` with its deadline cascade, admission of the result (a replay of the same
 * result is `already-present`, a different one is refused), the `response-envelope.v1`, release or
 * refund, and the `procurement-receipt.v1` signed by payer and payee. Ids are derived from the order
 * id, so a repeat after a crash finds the ledger's facts and books nothing twice.
 */
import { createHash } from "node:crypto"
import { Clock, Context, Effect, Layer, Option } from "effect"
import type { JsonObject } from "../../contract/Json.js"
import { ParticipantKeys } from "../ParticipantKeys.js"
import { type Delivery, Settlement, SettlementBlocked, SettlementFailed, type SettlementHold, type SettlementOrder, type Unsettled } from "../Settlement.js"
import type { LedgerHold } from "./artifacts/LedgerHold.js"
import type { ProcurementContract } from "./artifacts/ProcurementContract.js"
import type { ProcurementReceipt } from "./artifacts/ProcurementReceipt.js"
import type { ResponseEnvelope } from "./artifacts/ResponseEnvelope.js"
import { accountIdFor, Ledger } from "./Ledger.js"
import { iso } from "./LedgerContext.js"
import { SettlementRecords } from "./SettlementRecords.js"

/** The signing domain of receipt signatures by payer and payee. */
export const RECEIPT_DOMAIN = "orbiplex-procurement-receipt-v1"

/** The payer's windows after `work-by`, in ms (the escrow policy's cascade). */
export interface RailWindows {
  readonly accept: number
  readonly dispute: number
  readonly autoRelease: number
}

/** Defaults: one hour to accept, a day to dispute, auto-release when the dispute window closes. */
export const defaultWindows: RailWindows = { accept: 3_600_000, dispute: 86_400_000, autoRelease: 0 }

/** The result admission refused a different result for an admitted order. */
export const RESULT_CONFLICT = "result-conflict"

/** Whether an existing hold is the one this order would create (same payer, payee and amount). */
const sameParties = (hold: LedgerHold, payer: string, payee: string, amount: number): boolean =>
  hold["payer/account-id"] === payer && hold["payee/account-id"] === payee && hold.amount === amount

const digestOf = (value: unknown): string => createHash("sha256").update(JSON.stringify(value)).digest("hex")

const idPart = (orderId: string) => orderId.replace(/^order:/, "")

/** Ids of an order's artifacts. */
export const idsOf = (orderId: string) => ({
  hold: `hold:${idPart(orderId)}`,
  contract: `contract:${idPart(orderId)}`,
  question: `question:${idPart(orderId)}`,
  room: `room:${idPart(orderId)}`,
  response: `response:${idPart(orderId)}`,
  receipt: `receipt:${idPart(orderId)}`
})

const answerFormat = (format: string): ProcurementContract["acceptance/answer-format"] =>
  format === "plain-text" || format === "markdown" || format === "json" || format === "edn" || format === "mixed" ? format : "mixed"

const summary = (held: SettlementHold, admission: Admission, receipt: ProcurementReceipt): JsonObject => ({
  rail: "host-ledger",
  status: receipt.outcome,
  admission,
  amount: held.amount,
  currency: held.currency,
  contract_id: receipt["contract/id"],
  hold_id: held.hold_id,
  receipt_id: receipt["receipt/id"],
  transfer_ids: [...(receipt["settlement/transfer-refs"] ?? [])]
})

/** What admission says about a result. */
export type Admission = "admitted" | "already-present"

/** Builds the rail over the ledger, the participant keys and the records. */
export const make = (windows: RailWindows = defaultWindows) =>
  Effect.gen(function*() {
    const ledger = yield* Ledger
    const keys = yield* ParticipantKeys
    const records = yield* SettlementRecords
    const failed = (order_id: string, step: string) => (error: { readonly message: string }) =>
      new SettlementFailed({ rail: "host-ledger", order_id, step, reason: error.message })

    const hold = (order: SettlementOrder) =>
      Effect.gen(function*() {
        const ids = idsOf(order.order_id)
        if (order.currency !== "ORC") {
          return yield* new SettlementBlocked({ rail: "host-ledger", order_id: order.order_id, reason: `the host-ledger rail settles ORC only, not ${order.currency}` })
        }
        const now = yield* Clock.currentTimeMillis
        const payer = accountIdFor(order.buyer_id)
        const payee = accountIdFor(order.provider_participant_id)
        // An order placed again (its node restarted mid-order) keeps its first hold, deadlines included:
        // a work-by computed now would differ, and the ledger would refuse the hold as another one.
        const earlier = order.amount > 0 ? yield* ledger.hold(ids.hold).pipe(Effect.mapError(failed(order.order_id, "read the hold of"))) : Option.none()
        if (Option.isSome(earlier) && !sameParties(earlier.value, payer, payee, order.amount)) {
          return yield* failed(order.order_id, "hold")({ message: `hold ${ids.hold} exists for other parties or another amount; a new attempt needs a new order id` })
        }
        const workBy = Option.match(earlier, { onNone: () => Math.max(now, order.work_by_ms), onSome: (hold) => Date.parse(hold["work-by"]) })
        const acceptBy = workBy + windows.accept
        const disputeBy = acceptBy + windows.dispute
        const autoRelease = disputeBy + windows.autoRelease
        for (const [accountId, ownerId] of [[payer, order.buyer_id], [payee, order.provider_participant_id]] as const) {
          yield* ledger.openAccount({ accountId, purpose: "participant-settlement", ownerKind: "participant", ownerId }).pipe(
            Effect.mapError(failed(order.order_id, "open the account of"))
          )
        }
        let holdRef: string | undefined
        if (Option.isSome(earlier)) {
          holdRef = earlier.value["hold/id"]
        } else if (order.amount > 0) {
          const created = yield* ledger.createHold({
            holdId: ids.hold, contractId: ids.contract, questionId: ids.question, payerAccountId: payer, payeeAccountId: payee,
            amount: order.amount, workBy, acceptBy, disputeBy, autoReleaseAfter: autoRelease
          }).pipe(Effect.mapError((error) =>
            error._tag === "InsufficientFunds"
              ? new SettlementBlocked({ rail: "host-ledger", order_id: order.order_id, reason: error.message })
              : failed(order.order_id, "hold")(error)))
          holdRef = created["hold/id"]
        }
        const contract: ProcurementContract = {
          "schema/v": 1,
          "contract/id": ids.contract,
          "question/id": ids.question,
          "room/id": ids.room,
          "selected-offer/id": order.offer_id,
          "created-at": iso(now),
          "deadline-at": iso(workBy),
          "asker/node-id": order.node_id,
          "asker/participant-id": order.buyer_id,
          "responder/node-id": order.provider_node_id ?? order.node_id,
          "responder/participant-id": order.provider_participant_id,
          "payment/amount": order.amount,
          "payment/currency": order.currency,
          "acceptance/answer-format": answerFormat(order.answer_format),
          "acceptance/min-length": 1,
          "acceptance/max-length": 1_000_000,
          "confirmation/mode": "self-confirmed",
          "status": "pending",
          "source/marketplace-refs": { "offer-id": order.offer_id, "offer-seq": order.offer_seq, "order-id": order.order_id },
          ...(holdRef === undefined ? { "settlement/rail": "none" as const } : {
            "settlement/rail": "host-ledger" as const,
            "payer/account-ref": order.buyer_id,
            "payee/account-ref": order.provider_participant_id,
            "escrow/node-id": order.node_id,
            "escrow/hold-ref": holdRef,
            "escrow-policy/ref": "escrow-policy:host-ledger-mvp",
            "deadlines/work-by": iso(workBy),
            "deadlines/accept-by": iso(acceptBy),
            "deadlines/dispute-by": iso(disputeBy),
            "deadlines/auto-release": iso(autoRelease)
          })
        }
        // A re-proposed intent keeps its first contract (the hold above was found, not recreated).
        yield* records.update(order.order_id, (record) => ({ ...record, contract: record.contract ?? contract }))
        return {
          rail: "host-ledger", order_id: order.order_id, hold_id: holdRef ?? null, contract_id: ids.contract, amount: order.amount, currency: order.currency,
          work_by_ms: workBy
        } satisfies SettlementHold
      })

    const contractOf = (orderId: string) =>
      Effect.flatMap(records.get(orderId), (record) =>
        Option.isSome(record) && record.value.contract !== undefined
          ? Effect.succeed(record.value.contract)
          : Effect.fail(new SettlementFailed({ rail: "host-ledger", order_id: orderId, step: "settle", reason: "no contract was recorded for it (hold it first)" })))

    const receiptFor = (
      contract: ProcurementContract,
      outcome: ProcurementReceipt["outcome"],
      transferIds: ReadonlyArray<string>,
      reason: string | undefined,
      payeeSignature?: Delivery["payee_signature"]
    ) =>
      Effect.gen(function*() {
        const orderId = contract["source/marketplace-refs"]?.["order-id"] ?? contract["contract/id"]
        const now = iso(yield* Clock.currentTimeMillis)
        const [first, ...rest] = transferIds
        const body: ProcurementReceipt = {
          "schema/v": 1,
          "receipt/id": idsOf(orderId).receipt,
          "contract/id": contract["contract/id"],
          "question/id": contract["question/id"],
          "created-at": now,
          "payer/participant-id": contract["asker/participant-id"],
          "payee/participant-id": contract["responder/participant-id"],
          "outcome": outcome,
          "confirmation/mode": contract["confirmation/mode"],
          ...(outcome === "settled" ? { "settled-at": now, "answer/accepted": true } : { "rejection/reason": reason ?? outcome }),
          ...(first === undefined || contract["escrow/hold-ref"] === undefined ? { "settlement/rail": "none" as const } : {
            "settlement/rail": "host-ledger" as const,
            "settlement/ref": first,
            "settlement/hold-ref": contract["escrow/hold-ref"],
            "settlement/transfer-refs": [first, ...rest]
          })
        }
        if (outcome !== "settled") return body
        // Both parties are participants of this node, so the host signs for each (decision 2).
        const payer = yield* keys.signAs(contract["asker/participant-id"], RECEIPT_DOMAIN, body)
        // A payee of another node signed the result it delivered; the host signs only for its own participants.
        const payee = payeeSignature ?? (yield* keys.signAs(contract["responder/participant-id"], RECEIPT_DOMAIN, body))
        return { ...body, "payer/signature": `ed25519:${payer.value}`, "payee/signature": `ed25519:${payee.value}` } satisfies ProcurementReceipt
      })

    const admit = (orderId: string, delivery: Delivery): Effect.Effect<Admission, SettlementFailed> =>
      Effect.gen(function*() {
        const digest = digestOf(delivery)
        const existing = yield* records.get(orderId)
        const earlier = Option.getOrUndefined(existing)?.resultDigest
        if (earlier === digest) return "already-present"
        if (earlier !== undefined) {
          return yield* new SettlementFailed({
            rail: "host-ledger", order_id: orderId, step: "admit the result of",
            reason: `${RESULT_CONFLICT}: a different result (sha256 ${digest.slice(0, 12)}…) arrived for an order already admitted with ${earlier.slice(0, 12)}…; the first one stands`
          })
        }
        yield* records.update(orderId, (record) => ({ ...record, resultDigest: digest }))
        return "admitted"
      })

    const capture = (held: SettlementHold, delivery: Delivery) =>
      Effect.gen(function*() {
        const contract = yield* contractOf(held.order_id)
        const admission = yield* admit(held.order_id, delivery)
        const done = Option.getOrUndefined(yield* records.get(held.order_id))
        if (admission === "already-present" && done?.receipt !== undefined) {
          return summary(held, admission, done.receipt)
        }
        const transfers: Array<string> = []
        if (held.hold_id !== null) {
          yield* ledger.delivered(held.hold_id).pipe(Effect.mapError(failed(held.order_id, "mark delivered")))
          const released = yield* ledger.accept(held.hold_id).pipe(Effect.mapError(failed(held.order_id, "release")))
          if (Option.isSome(released.transfer)) transfers.push(released.transfer.value["transfer/id"])
        }
        const receipt = yield* receiptFor(contract, "settled", transfers, undefined, delivery.payee_signature).pipe(Effect.mapError(failed(held.order_id, "sign the receipt of")))
        const envelope: ResponseEnvelope = {
          "schema/v": 1,
          "response/id": idsOf(held.order_id).response,
          "question/id": contract["question/id"],
          "room/id": contract["room/id"],
          "contract/id": contract["contract/id"],
          "receipt/id": receipt["receipt/id"],
          "created-at": receipt["created-at"],
          "source/node-id": contract["responder/node-id"],
          "source/participant-id": contract["responder/participant-id"],
          "answer/content": typeof delivery.content === "string" && delivery.content.length > 0 ? delivery.content : { value: delivery.content },
          "answer/format": answerFormat(delivery.format),
          "confidence/signal": Math.min(1, Math.max(0, delivery.confidence)),
          "human-linked-participation": delivery.human_linked,
          "provenance/origin-classes": delivery.human_linked ? ["node-mediated-human"] : ["node-generated"]
        }
        const settled: ProcurementContract = { ...contract, status: "settled" }
        yield* records.update(held.order_id, (record) => ({ ...record, contract: settled, envelope, receipt }))
        return summary(held, admission, receipt)
      })

    const release = (held: SettlementHold, why: Unsettled) =>
      Effect.gen(function*() {
        const contract = yield* contractOf(held.order_id)
        const transfers: Array<string> = []
        if (held.hold_id !== null) {
          const refunded = yield* ledger.refund(held.hold_id, why.reason).pipe(Effect.mapError(failed(held.order_id, "refund")))
          if (Option.isSome(refunded.transfer)) transfers.push(refunded.transfer.value["transfer/id"])
        }
        const receipt = yield* receiptFor(contract, why.outcome, transfers, why.reason).pipe(Effect.mapError(failed(held.order_id, "sign the receipt of")))
        yield* records.update(held.order_id, (record) => ({ ...record, contract: { ...contract, status: why.outcome }, receipt: record.receipt ?? receipt }))
        return summary(held, "admitted", receipt)
      })

    return {
      settlement: Settlement.of({ rail: "host-ledger", hold, capture, release }),
      rail: LedgerRail.of({ admit })
    }
  })

/** What the ledger rail adds beside `Settlement`: result admission. */
export class LedgerRail extends Context.Tag("orbiplex/LedgerRail")<LedgerRail, {
  /** Admits a result for an order: `admitted` once, `already-present` for the same result, refused for another. */
  readonly admit: (orderId: string, delivery: Delivery) => Effect.Effect<Admission, SettlementFailed>
}>() {}

/** The rail as `Settlement` and `LedgerRail`. */
export const layer = (windows: RailWindows = defaultWindows): Layer.Layer<Settlement | LedgerRail, never, Ledger | ParticipantKeys | SettlementRecords> =>
  Layer.effectContext(Effect.map(make(windows), ({ rail, settlement }) =>
    Context.make(Settlement, settlement).pipe(Context.add(LedgerRail, rail))))
