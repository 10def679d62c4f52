/**
 * The workflow capabilities Arca asks for (docs/modules.md §3.6, §3.7):
 *
 * - `workflow.schedule`: a durable timer. It answers once the host's clock has reached
 *   `wake_at_ms`; the wake-up time lives in the persisted workflow state, so a restarted host simply
 *   asks again (and a wake-up already answered is replayed from the run's stored outcomes).
 * - `workflow.transition`: the host's approval of a provider or price change. The policy is the
 *   config's `workflow.approve_transitions` (default false: every change is refused with the reason).
 *   When approval is on, the new terms must be backed by a current catalog offer. The capability
 *   only decides; the workflow runner changes its own copy of the template before it hands an
 *   approval back to Arca.
 *
 * Both accept only the run being driven (`run_id` = the intent's correlation id).
 */
import { Clock, Context, Duration, Effect, Layer, Schema } from "effect"
import type { IntentContext } from "../middleware/IntentHost.js"
import { type Capability, CapabilityFailed, make as makeCapability } from "../capability/Capability.js"
import type { WorkflowConfig } from "../exchange/ExchangeConfig.js"
import { OfferCatalog } from "../exchange/OfferCatalog.js"

/** What Arca asks `workflow.schedule` for. */
export const ScheduleInput = Schema.Struct({
  run_id: Schema.NonEmptyTrimmedString,
  wake_at_ms: Schema.NonNegativeInt,
  reason: Schema.optionalWith(Schema.String, { exact: true })
})

/** When the host woke the run. */
export const ScheduleOutput = Schema.Struct({ woke_at_ms: Schema.NonNegativeInt })

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

const sameRun = (capability: string, runId: string, context: IntentContext) =>
  runId === context.correlationId
    ? Effect.void
    : Effect.fail(
      new CapabilityFailed({
        capability,
        detail: `run_id ${JSON.stringify(runId)} is not the run that asked (${JSON.stringify(context.correlationId)}); ` +
          `a run may only schedule or change itself`
      })
    )

/** The `workflow.schedule` capability service. */
export class WorkflowSchedule extends Context.Tag("orbiplex/capability/WorkflowSchedule")<WorkflowSchedule, Capability>() {}

/** Waits on the Effect clock until `wake_at_ms`, then answers when it woke. */
export const schedule: Capability = makeCapability({
  id: "workflow.schedule",
  description: "wake the workflow run again no earlier than wake_at_ms (a durable timer: the time is in the run's state)",
  input: ScheduleInput,
  output: ScheduleOutput,
  run: (input, context) =>
    Effect.gen(function*() {
      yield* sameRun("workflow.schedule", input.run_id, context)
      const now = yield* Clock.currentTimeMillis
      if (input.wake_at_ms > now) yield* Effect.sleep(Duration.millis(input.wake_at_ms - now))
      return { woke_at_ms: yield* Clock.currentTimeMillis }
    })
})

/** `workflow.schedule` as a layer. */
export const scheduleLayer: Layer.Layer<WorkflowSchedule> = Layer.succeed(WorkflowSchedule, schedule)

const describeChange = (from: StepTerms, to: StepTerms): string =>
  (["provider_id", "service_type", "price", "currency"] as const)
    .filter((key) => from[key] !== to[key])
    .map((key) => `${key} ${JSON.stringify(from[key])} -> ${JSON.stringify(to[key])}`)
    .join(", ") || "no change"

/** The approval policy: refuse everything, or approve what a current catalog offer backs. */
export const decideTransition = (
  settings: Pick<WorkflowConfig, "approve_transitions">,
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

/** `workflow.transition` with the config's approval policy. */
export const transitionLayer = (
  settings: Pick<WorkflowConfig, "approve_transitions">
): Layer.Layer<WorkflowTransition, never, OfferCatalog> =>
  Layer.effect(
    WorkflowTransition,
    Effect.map(OfferCatalog, (catalog) =>
      makeCapability({
        id: "workflow.transition",
        description: "approve or refuse a change of a workflow step's provider, service type, price or currency",
        input: TransitionInput,
        output: TransitionOutput,
        run: (input, context) =>
          Effect.zipRight(sameRun("workflow.transition", input.run_id, context), decideTransition(settings, catalog, input))
      }))
  )
