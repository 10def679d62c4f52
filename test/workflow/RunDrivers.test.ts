/**
 * One driver per run; a request for a driven run reaches its driver through the run's inbox, in
 * order after the stored ones; a run without a driver takes no request.
 */
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Deferred, Effect, Fiber, Queue } from "effect"
import * as RunDrivers from "../../src/workflow/RunDrivers.js"

describe("RunDrivers", () => {
  it.effect("hands requests to the run's driver in order and refuses a second driver", () =>
    Effect.gen(function*() {
      const drivers = yield* RunDrivers.make
      const started = yield* Deferred.make<void>()
      const release = yield* Deferred.make<void>()
      const driver = yield* Effect.fork(drivers.exclusive("run-1", [{ n: 1 }], (inbox) =>
        Effect.gen(function*() {
          yield* Deferred.succeed(started, undefined)
          yield* Deferred.await(release)
          return Chunk.toReadonlyArray(yield* Queue.takeAll(inbox))
        })))
      yield* Deferred.await(started)
      expect(yield* drivers.offer("run-1", { n: 2 })).toBe(true)
      expect(yield* drivers.offer("run-2", { n: 3 })).toBe(false)
      const second = yield* Effect.flip(drivers.exclusive("run-1", [], () => Effect.void))
      expect(second._tag).toBe("RunBusy")
      yield* Deferred.succeed(release, undefined)
      expect(yield* Fiber.join(driver)).toEqual([{ n: 1 }, { n: 2 }])
      // The driver is gone: the run takes no request, and may be driven again.
      expect(yield* drivers.offer("run-1", { n: 4 })).toBe(false)
      expect(yield* drivers.exclusive("run-1", [], () => Effect.succeed("again"))).toBe("again")
    }))
})
