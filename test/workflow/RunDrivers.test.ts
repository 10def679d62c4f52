/**
 * One driver per run; a request for a driven run reaches its driver through the run's inbox, in
 * order after the stored ones; a run without a driver takes no request; a driver can be interrupted
 * from outside (a cancel), and is waited for.
 */
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Deferred, Effect, Exit, Fiber, Queue } from "effect"
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

  it.effect("interrupt stops the run's driver and answers once it has stopped; its caller sees an interruption", () =>
    Effect.gen(function*() {
      const drivers = yield* RunDrivers.make
      const started = yield* Deferred.make<void>()
      const stopped = yield* Deferred.make<void>()
      const caller = yield* Effect.fork(drivers.exclusive("run-1", [], () =>
        Deferred.succeed(started, undefined).pipe(
          Effect.zipRight(Effect.never),
          Effect.onInterrupt(() => Deferred.succeed(stopped, undefined))
        )))
      yield* Deferred.await(started)
      expect(yield* drivers.interrupt("run-2")).toBe(false)
      expect(yield* drivers.interrupt("run-1")).toBe(true)
      // The driver's finalizer ran before interrupt answered.
      expect(yield* Deferred.isDone(stopped)).toBe(true)
      expect(Exit.isInterrupted(yield* Fiber.await(caller))).toBe(true)
      expect(yield* drivers.offer("run-1", { n: 1 })).toBe(false)
    }))
})
