/**
 * The settlement seam of procurement (issue 4 item 5). Procurement asks for a hold before it
 * dispatches an order, captures it when the order completed and releases it otherwise. The only
 * rail now is `none`: nothing is reserved or moved, and every order says so in its result. Holds,
 * transfers and receipts arrive with the ledger as another implementation of this service; procurement
 * does not change.
 */
import { Context, Effect, Layer, Schema } from "effect"
import type { JsonObject } from "../contract/Json.js"

/** The money side of one order. */
export interface SettlementOrder {
  readonly order_id: string
  readonly offer_id: string
  readonly provider_id: string
  readonly buyer_id: string
  /** Integer minor units (1000 = 10.00). */
  readonly amount: number
  readonly currency: string
}

/** A reservation made before dispatch. */
export interface SettlementHold {
  readonly rail: string
  readonly order_id: string
  /** The rail's id for the hold (`null` on rail `none`). */
  readonly hold_id: string | null
  readonly amount: number
  readonly currency: string
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

/** The settlement rail. */
export class Settlement extends Context.Tag("orbiplex/Settlement")<Settlement, {
  readonly rail: string
  /** Reserves the order's amount before it is dispatched. */
  readonly hold: (order: SettlementOrder) => Effect.Effect<SettlementHold, SettlementBlocked>
  /** Settles a hold once the order completed; returns the record procurement puts in its result. */
  readonly capture: (hold: SettlementHold) => Effect.Effect<JsonObject>
  /** Gives a hold back when the order did not complete. */
  readonly release: (hold: SettlementHold) => Effect.Effect<void>
}>() {}

/** Rail `none`: nothing is held or moved; results carry `{rail: "none", status: "unsettled"}`. */
export const none: Settlement["Type"] = Settlement.of({
  rail: "none",
  hold: (order) =>
    Effect.succeed({ rail: "none", order_id: order.order_id, hold_id: null, amount: order.amount, currency: order.currency }),
  capture: (hold) =>
    Effect.succeed({ rail: "none", status: "unsettled", amount: hold.amount, currency: hold.currency }),
  release: () => Effect.void
})

/** Rail `none` as a layer. */
export const layerNone: Layer.Layer<Settlement> = Layer.succeed(Settlement, none)

/** The rail a `procurement.settlement.rail` setting names. */
export const layerFor = (rail: "none"): Layer.Layer<Settlement> => {
  switch (rail) {
    case "none":
      return layerNone
  }
}
