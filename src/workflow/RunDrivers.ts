/**
 * The runs being driven now, one driver each. A transition request for a driven run is handed to
 * its driver through the run's inbox (a `Queue`); the driver takes what arrived between its
 * writes, so no fiber touches another's state. A driver runs in a fiber of its own so that a cancel
 * can stop it, and wait until it has stopped, whoever started it (the work API, a schedule, the
 * resume at start).
 */
import { Deferred, Effect, Fiber, Option, Queue, Ref } from "effect"
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
  /**
   * Interrupts the run's driver and waits until it has stopped (its caller then sees an
   * interruption); `false` when the run is not being driven.
   */
  readonly interrupt: (runId: string) => Effect.Effect<boolean>
}

interface Driver {
  readonly inbox: Queue.Queue<JsonObject>
  /** Completed as soon as the driver's fiber is forked (a cancel may come before that). */
  readonly fiber: Deferred.Deferred<Fiber.Fiber<unknown, unknown>>
}

/** An empty registry. */
export const make: Effect.Effect<RunDrivers> = Effect.map(
  Ref.make<ReadonlyMap<string, Driver>>(new Map()),
  (active) => ({
    exclusive: (runId, stored, body) =>
      Effect.gen(function*() {
        const inbox = yield* Queue.unbounded<JsonObject>()
        yield* Queue.offerAll(inbox, stored)
        const driver: Driver = { inbox, fiber: yield* Deferred.make<Fiber.Fiber<unknown, unknown>>() }
        const claimed = yield* Ref.modify(active, (runs): [boolean, ReadonlyMap<string, Driver>] =>
          runs.has(runId) ? [false, runs] : [true, new Map([...runs, [runId, driver]])]
        )
        if (!claimed) return yield* new RunBusy({ run_id: runId })
        return yield* Effect.uninterruptibleMask((restore) =>
          Effect.gen(function*() {
            const fiber = yield* Effect.fork(restore(body(inbox)))
            yield* Deferred.succeed(driver.fiber, fiber)
            // The caller interrupted (its scope closes): the driver stops with it, and is waited for.
            return yield* restore(Fiber.join(fiber)).pipe(Effect.onInterrupt(() => Fiber.interrupt(fiber)))
          })
        ).pipe(Effect.ensuring(Ref.update(active, (runs) => new Map([...runs].filter(([id]) => id !== runId)))))
      }),
    offer: (runId, detail) =>
      Effect.flatMap(Ref.get(active), (runs) =>
        Option.match(Option.fromNullable(runs.get(runId)), {
          onNone: () => Effect.succeed(false),
          onSome: (driver) => Queue.offer(driver.inbox, detail)
        })),
    interrupt: (runId) =>
      Effect.flatMap(Ref.get(active), (runs) =>
        Option.match(Option.fromNullable(runs.get(runId)), {
          onNone: () => Effect.succeed(false),
          onSome: (driver) => Effect.as(Effect.flatMap(Deferred.await(driver.fiber), Fiber.interrupt), true)
        }))
  })
)
