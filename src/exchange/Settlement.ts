/**
 * The settlement seam of procurement (issue 4 item 5, SETTLEMENT.md §3). Procurement asks for a
 * hold before it dispatches an order, captures it once the result is admitted and refunds it
 * otherwise. Rail `none` reserves and moves nothing; rail `host-ledger` (settlement/LedgerRail.ts)
 * books holds, contracts, envelopes, transfers and receipts on the node's ledger.
 */
import { Context, Effect, Layer, Schema } from "effect"
import type { Json, JsonObject } from "../contract/Json.js"

/** The money side of one order. */
export interface SettlementOrder {
  readonly order_id: string
  readonly offer_id: string
  readonly offer_seq: number
  readonly provider_id: string
  /** `participant:did:key:…` of the provider (the payee). */
  readonly provider_participant_id: string
  /** `participant:did:key:…` of the buyer (the payer). */
  readonly buyer_id: string
  /** This node (`node:did:key:…`): the asker, and the escrow (the buyer host keeps the ledger, §3). */
  readonly node_id: string
  /** The seller's node when another node sells (§3 step 6); absent, the seller is this node. */
  readonly provider_node_id?: string
  /** Integer minor units (1000 = 10.00): units × the offer's price. */
  readonly amount: number
  readonly currency: string
  /** Epoch ms by which the result must be delivered (the contract's `work-by`). */
  readonly work_by_ms: number
  readonly answer_format: string
}

/** A reservation made before dispatch. */
export interface SettlementHold {
  readonly rail: string
  readonly order_id: string
  /** The rail's id for the hold (`null` on rail `none` and for a zero price). */
  readonly hold_id: string | null
  readonly contract_id: string | null
  readonly amount: number
  readonly currency: string
  /** Epoch ms of the hold's `work-by`: the order's, or the first hold's when the order was placed before (a restart). */
  readonly work_by_ms: number
}

/** The admitted result of an order. */
export interface Delivery {
  readonly content: Json
  readonly format: string
  readonly confidence: number
  readonly human_linked: boolean
  /**
   * The payee's own signature (`{alg, value}`) when the payee is another node's participant: it
   * signed the result it delivered (PeerMessages `RESULT_DOMAIN`), and the receipt carries it as
   * `payee/signature`. Absent, the payee is this node's and the host signs for it (decision 2).
   */
  readonly payee_signature?: { readonly alg: "ed25519"; readonly value: string }
}

/** How an order ended without a settled result. */
export interface Unsettled {
  readonly outcome: "rejected" | "expired" | "canceled"
  readonly reason: string
}

/** The rail refuses the order (no funds, limit reached); procurement answers `settlement-blocked`. */
export class SettlementBlocked extends Schema.TaggedError<SettlementBlocked>()("SettlementBlocked", {
  rail: Schema.String,
  order_id: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `settlement rail ${this.rail} refused order ${this.order_id}: ${this.reason}`
  }
}

/** The rail could not record a settlement step (the store failed, a result conflicts). */
export class SettlementFailed extends Schema.TaggedError<SettlementFailed>()("SettlementFailed", {
  rail: Schema.String,
  order_id: Schema.String,
  step: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `settlement rail ${this.rail} could not ${this.step} order ${this.order_id}: ${this.reason}`
  }
}

/** The settlement rail. */
export class Settlement extends Context.Tag("orbiplex/Settlement")<Settlement, {
  readonly rail: string
  /** Reserves the order's amount before it is dispatched. */
  readonly hold: (order: SettlementOrder) => Effect.Effect<SettlementHold, SettlementBlocked | SettlementFailed>
  /** Admits the result and settles the hold; returns the record procurement puts in its result. */
  readonly capture: (hold: SettlementHold, delivery: Delivery) => Effect.Effect<JsonObject, SettlementFailed>
  /** Gives a hold back when the order did not complete; returns the record of it. */
  readonly release: (hold: SettlementHold, why: Unsettled) => Effect.Effect<JsonObject, SettlementFailed>
}>() {}

/** Rail `none`: nothing is held or moved; results carry `{rail: "none", status: "unsettled"}`. */
export const none: Settlement["Type"] = Settlement.of({
  rail: "none",
  hold: (order) =>
    Effect.succeed({
      rail: "none", order_id: order.order_id, hold_id: null, contract_id: null, amount: order.amount, currency: order.currency, work_by_ms: order.work_by_ms
    }),
  capture: (hold) =>
    Effect.succeed({ rail: "none", status: "unsettled", amount: hold.amount, currency: hold.currency }),
  release: (hold) => Effect.succeed({ rail: "none", status: "unsettled", amount: hold.amount, currency: hold.currency })
})

/** Rail `none` as a layer. */
export const layerNone: Layer.Layer<Settlement> = Layer.succeed(Settlement, none)

/** The rail a `procurement.settlement.rail` setting names (`host-ledger` is built with the ledger: LedgerRail.layer). */
export const layerFor = (rail: "none"): Layer.Layer<Settlement> => {
  switch (rail) {
    case "none":
      return layerNone
  }
}
