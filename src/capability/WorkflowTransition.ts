/**
 * `workflow.transition` (docs/modules.md §3.7): the host's approval of a provider or price change.
 * The policy is the config's `workflow.approve_transitions` (default false: every change is refused
 * with the reason). When approval is on, the new terms must be backed by a current catalog offer.
 * The capability only decides; the workflow runner changes its own copy of the template before it
 * hands an approval back to Arca. Only the run being driven may ask.
 */
import { Context, Effect, Layer, Schema } from "effect"
import { OfferCatalog } from "../exchange/OfferCatalog.js"
import { type Capability, make as makeCapability } from "./Capability.js"
import { sameRun } from "./SameRun.js"

/** The economic terms of a remote step. */
export const StepTerms = Schema.Struct({
  provider_id: Schema.NonEmptyTrimmedString,
  service_type: Schema.NonEmptyTrimmedString,
  price: Schema.NonNegativeInt,
  currency: Schema.NonEmptyTrimmedString
})
/** The economic terms of a remote step. */
export type StepTerms = typeof StepTerms.Type

/** A proposed change of a step's terms. */
export const TransitionInput = Schema.Struct({
  run_id: Schema.NonEmptyTrimmedString,
  transition_id: Schema.NonEmptyTrimmedString,
  step_id: Schema.NonEmptyTrimmedString,
  phase_id: Schema.String,
  from: StepTerms,
  to: StepTerms,
  reason: Schema.String,
  requested_by: Schema.optionalWith(Schema.String, { exact: true })
})
/** A proposed change of a step's terms. */
export type TransitionInput = typeof TransitionInput.Type

/** The host's answer. */
export const TransitionOutput = Schema.Struct({
  decision: Schema.Literal("approved", "refused"),
  reason: Schema.String,
  to: Schema.optionalWith(StepTerms, { exact: true })
})
/** The host's answer. */
export type TransitionOutput = typeof TransitionOutput.Type

/** The approval policy of the node (the config's `workflow.approve_transitions`). */
export class TransitionPolicy extends Context.Tag("orbiplex/TransitionPolicy")<TransitionPolicy, {
  readonly approve_transitions: boolean
}>() {}

const describeChange = (from: StepTerms, to: StepTerms): string =>
  (["provider_id", "service_type", "price", "currency"] as const)
    .filter((key) => from[key] !== to[key])
    .map((key) => `${key} ${JSON.stringify(from[key])} -> ${JSON.stringify(to[key])}`)
    .join(", ") || "no change"

/** The approval policy: refuse everything, or approve what a current catalog offer backs. */
export const decideTransition = (
  settings: TransitionPolicy["Type"],
  catalog: OfferCatalog["Type"],
  input: TransitionInput
): Effect.Effect<TransitionOutput> =>
  Effect.gen(function*() {
    const change = describeChange(input.from, input.to)
    if (!settings.approve_transitions) {
      return {
        decision: "refused",
        reason: `this node does not approve provider or price changes (workflow.approve_transitions is false): ` +
          `${change} for step ${input.step_id} refused; the step keeps its template terms`
      }
    }
    const offers = yield* catalog.current
    const backing = offers.find((offer) =>
      offer.provider_id === input.to.provider_id && offer.service_type === input.to.service_type &&
      offer.currency === input.to.currency && offer.amount <= input.to.price
    )
    if (backing === undefined) {
      return {
        decision: "refused",
        reason: `no current offer of ${input.to.provider_id} for ${input.to.service_type} at ${input.to.price} ` +
          `${input.to.currency} or less backs the change (${change}); the step keeps its template terms`
      }
    }
    return {
      decision: "approved",
      reason: `approved by node policy: ${change} (offer ${backing.offer_id})`,
      to: input.to
    }
  })

/** The `workflow.transition` capability service. */
export class WorkflowTransition extends Context.Tag("orbiplex/capability/WorkflowTransition")<WorkflowTransition, Capability>() {}

/** `workflow.transition` with the node's approval policy over its catalog. */
export const capability: Effect.Effect<Capability, never, OfferCatalog | TransitionPolicy> = Effect.gen(function*() {
  const catalog = yield* OfferCatalog
  const settings = yield* TransitionPolicy
  return makeCapability({
    id: "workflow.transition",
    description: "approve or refuse a change of a workflow step's provider, service type, price or currency",
    input: TransitionInput,
    output: TransitionOutput,
    run: (input, context) => Effect.zipRight(sameRun("workflow.transition", input.run_id, context), decideTransition(settings, catalog, input))
  })
})

/** `workflow.transition` as a service. */
export const layer: Layer.Layer<WorkflowTransition, never, OfferCatalog | TransitionPolicy> = Layer.effect(WorkflowTransition, capability)
