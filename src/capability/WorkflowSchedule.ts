/**
 * `workflow.schedule` (docs/modules.md §3.6): a durable timer. It answers once the host's clock has
 * reached `wake_at_ms`; the wake-up time lives in the persisted workflow state, so a restarted host
 * simply asks again (and a wake-up already answered is replayed from the run's stored outcomes).
 * Only the run being driven may schedule itself.
 */
import { Clock, Context, Duration, Effect, Layer, Schema } from "effect"
import { type Capability, make as makeCapability } from "./Capability.js"
import { sameRun } from "./SameRun.js"

/** What Arca asks `workflow.schedule` for. */
export const ScheduleInput = Schema.Struct({
  run_id: Schema.NonEmptyTrimmedString,
  wake_at_ms: Schema.NonNegativeInt,
  reason: Schema.optionalWith(Schema.String, { exact: true })
})

/** When the host woke the run. */
export const ScheduleOutput = Schema.Struct({ woke_at_ms: Schema.NonNegativeInt })

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

/** The capability, needing nothing. */
export const capability: Effect.Effect<Capability> = Effect.succeed(schedule)

/** `workflow.schedule` as a service. */
export const layer: Layer.Layer<WorkflowSchedule> = Layer.succeed(WorkflowSchedule, schedule)

