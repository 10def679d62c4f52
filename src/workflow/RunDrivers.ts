/**
 * The runs being driven now, one driver each. A transition request for a driven run is handed to
 * its driver through the run's inbox (a `Queue`); the driver takes what arrived between its
 * writes, so no fiber touches another's state.
 */
import { Effect, Option, Queue, Ref } from "effect"
import type { JsonObject } from "../contract/Json.js"
import { RunBusy } from "./WorkflowRun.js"

/** The registry of driven runs. */
export interface RunDrivers {
  /**
   * Runs `body` as the only driver of `runId`, with its inbox seeded with the `stored` requests;
   * fails with `RunBusy` when the run already has a driver.
   */
  readonly exclusive: <A, E>(
    runId: string,
    stored: ReadonlyArray<JsonObject>,
    body: (inbox: Queue.Dequeue<JsonObject>) => Effect.Effect<A, E>
  ) => Effect.Effect<A, E | RunBusy>
  /** Hands `detail` to the run's driver; `false` when the run is not being driven. */
  readonly offer: (runId: string, detail: JsonObject) => Effect.Effect<boolean>
}

/** An empty registry. */
export const make: Effect.Effect<RunDrivers> = Effect.map(
  Ref.make<ReadonlyMap<string, Queue.Queue<JsonObject>>>(new Map()),
  (active) => ({
    exclusive: (runId, stored, body) =>
      Effect.gen(function*() {
        const inbox = yield* Queue.unbounded<JsonObject>()
        yield* Queue.offerAll(inbox, stored)
        const claimed = yield* Ref.modify(active, (runs): [boolean, ReadonlyMap<string, Queue.Queue<JsonObject>>] =>
          runs.has(runId) ? [false, runs] : [true, new Map([...runs, [runId, inbox]])]
        )
        if (!claimed) return yield* new RunBusy({ run_id: runId })
        return yield* Effect.ensuring(
          body(inbox),
          Ref.update(active, (runs) => new Map([...runs].filter(([id]) => id !== runId)))
        )
      }),
    offer: (runId, detail) =>
      Effect.flatMap(Ref.get(active), (runs) =>
        Option.match(Option.fromNullable(runs.get(runId)), {
          onNone: () => Effect.succeed(false),
          onSome: (inbox) => Queue.offer(inbox, detail)
        }))
  })
)
