/**
 * `procurement.order`: buy one piece of priced service work from a provider in the catalog, through
 * the host's procurement (validated against the offer, dispatched to that provider only, settled).
 */
import { Context, Effect, Layer } from "effect"
import { OrderInput, OrderOutcome, Procurement } from "../exchange/Procurement.js"
import { type Capability, CapabilityFailed, make as makeCapability } from "./Capability.js"

/** The `procurement.order` capability service. */
export class ProcurementOrder extends Context.Tag("orbiplex/capability/ProcurementOrder")<ProcurementOrder, Capability>() {}

/** `procurement.order` over the procurement service; the intent's deadline bounds the whole order. */
export const capability: Effect.Effect<Capability, never, Procurement> = Effect.map(Procurement, (procurement) =>
    makeCapability({
      id: "procurement.order",
      description: "buy one piece of priced service work from a provider in the catalog (validated, dispatched, settled)",
      input: OrderInput,
      output: OrderOutcome,
      run: (input, context) =>
        procurement.order(input, { correlationId: context.correlationId, deadline: context.deadline }).pipe(
          Effect.mapError((error) => new CapabilityFailed({ capability: "procurement.order", detail: error.message }))
        )
    }))

/** The capability as a service. */
export const layer: Layer.Layer<ProcurementOrder, never, Procurement> = Layer.effect(ProcurementOrder, capability)
