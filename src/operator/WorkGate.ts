/**
 * The work API's way to the services above the node's base. The operator API serves as soon as
 * supervision is up, while the runner, the pipelines and the schedules are still being built: the
 * gate is made before both, and the layer above opens it once they are built. Until then (and on
 * a node embedded without the work layers) work requests answer 503.
 */
import { Context, Effect, Layer, Option, Ref } from "effect"
import { ChainRunner } from "../middleware/ChainRunner.js"
import { Pipelines } from "../pipeline/Pipelines.js"
import { IdempotencyRepo } from "../store/IdempotencyRepo.js"
import { RunManager } from "../workflow/RunManager.js"
import { Schedules } from "../workflow/Schedules.js"
import { OrderDesk } from "./OrderDesk.js"
import { WorkUnavailable } from "./WorkErrors.js"

/** What the work handlers use. */
export interface WorkDesk {
  readonly chains: Context.Tag.Service<typeof ChainRunner>
  readonly pipelines: Option.Option<Context.Tag.Service<typeof Pipelines>>
  readonly runs: Context.Tag.Service<typeof RunManager>
  readonly orders: Context.Tag.Service<typeof OrderDesk>
  readonly idempotency: Context.Tag.Service<typeof IdempotencyRepo>
  readonly schedules: Option.Option<Context.Tag.Service<typeof Schedules>>
}

/** The gate: `current` answers the desk once `open` was called. */
export interface WorkGateService {
  readonly open: (desk: WorkDesk) => Effect.Effect<void>
  readonly current: Effect.Effect<WorkDesk, WorkUnavailable>
}

const notServed: WorkGateService = {
  open: () => Effect.void,
  current: Effect.fail(
    new WorkUnavailable({
      message: "this node takes no work: it runs without the work layers (start it with `orbiplex start`)"
    })
  )
}

/** The gate; by default closed for good (nodes embedded without the work layers). */
export class WorkGate extends Context.Reference<WorkGate>()("orbiplex/WorkGate", {
  defaultValue: (): WorkGateService => notServed
}) {}

/** A gate that opens when the layers above the base are built. */
export const make = Effect.gen(function*() {
  const desk = yield* Ref.make(Option.none<WorkDesk>())
  const service: WorkGateService = {
    open: (opened) => Ref.set(desk, Option.some(opened)),
    current: Effect.flatMap(Ref.get(desk), (found) =>
      Option.match(found, {
        onSome: Effect.succeed,
        onNone: () =>
          Effect.fail(
            new WorkUnavailable({
              message: "the node is still starting (its modules and workflow runner are coming up); retry in a few seconds"
            })
          )
      }))
  }
  return service
})

/** A fresh, closed gate. */
export const layer: Layer.Layer<WorkGate> = Layer.effect(WorkGate, make)

/** Opens the gate once the services above the base are built (pipelines and schedules when the node has them). */
export const layerOpen: Layer.Layer<never, never, ChainRunner | RunManager | OrderDesk | IdempotencyRepo> = Layer
  .effectDiscard(
    Effect.gen(function*() {
      const gate = yield* WorkGate
      yield* gate.open({
        chains: yield* ChainRunner,
        pipelines: yield* Effect.serviceOption(Pipelines),
        runs: yield* RunManager,
        orders: yield* OrderDesk,
        idempotency: yield* IdempotencyRepo,
        schedules: yield* Effect.serviceOption(Schedules)
      })
    })
  )
