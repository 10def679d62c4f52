/**
 * `Effect.retry` for hot paths. `Effect.retry` builds its schedule's driver (two Refs and their
 * effects) before the first attempt, ~6 µs per wrapper measured here, paid by every call although
 * almost every call succeeds first time. This builds the driver only when an attempt fails; from
 * there on it is the same loop as `Effect.retry`: each error is fed to the driver, which waits the
 * schedule's delay and either lets the effect run again or ends with that error.
 */
import { Effect, Schedule } from "effect"

/** `Effect.retry(self, schedule)`, its schedule driver made at the first failure only. */
export const retryLazily = <Out, E, R2>(schedule: Schedule.Schedule<Out, E, R2>) => retryLazilyWith(() => schedule)

/** `retryLazily` for a schedule that is itself worth building only when an attempt has failed. */
export const retryLazilyWith = <Out, E, R2>(makeSchedule: () => Schedule.Schedule<Out, E, R2>) =>
<A, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R | R2> =>
  Effect.catchAll(self, (first) =>
    Effect.flatMap(Schedule.driver(makeSchedule()), (driver) => {
      const again = (error: E): Effect.Effect<A, E, R | R2> =>
        Effect.matchEffect(driver.next(error), {
          onFailure: () => Effect.fail(error),
          onSuccess: () => Effect.catchAll(self, again)
        })
      return again(first)
    }))
