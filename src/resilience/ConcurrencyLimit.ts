/**
 * `concurrency: N` for a module as a whole (CONTRACTS §3.5): one count of the module's calls in flight,
 * shared by every call site. A call with limit N starts only while fewer than N calls of the module (from
 * any caller, whatever their own limits) are running, so two sites that both say `concurrency: 2` never
 * run four calls at once, and a site with a tighter limit is not overrun by a looser one. Waiting callers
 * are woken first come, first served; a caller interrupted while waiting gives its place back.
 */
import { Deferred, Effect, Exit } from "effect"

/** A module's shared in-flight count. */
export interface ConcurrencyLimit {
  /** Runs `effect` once fewer than `limit` calls of the module are in flight, counting it while it runs. */
  readonly withPermit: (limit: number) => <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  /** Calls of the module running now, for operators and tests. */
  readonly inFlight: Effect.Effect<number>
}

interface Waiter {
  readonly limit: number
  readonly granted: Deferred.Deferred<void>
}

/** Makes an empty limit for one module. */
export const makeConcurrencyLimit: Effect.Effect<ConcurrencyLimit> = Effect.sync(() => {
  // Plain mutable state read and written only while an effect runs (a `sync` block or the mask's
  // body), which never interleave.
  let running = 0
  const waiters: Array<Waiter> = []

  const release = (): void => {
    running -= 1
    for (let i = 0; i < waiters.length;) {
      const waiter = waiters[i]!
      if (running < waiter.limit) {
        waiters.splice(i, 1)
        running += 1
        Deferred.unsafeDone(waiter.granted, Exit.void)
      } else {
        i += 1
      }
    }
  }

  const releaseEffect = Effect.sync(release)

  /** Waits in line for a permit (counted once granted); an interrupted waiter leaves the line. */
  const waitForPermit = (limit: number, restore: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>) =>
    Effect.flatMap(Deferred.make<void>(), (granted) => {
      const waiter: Waiter = { limit, granted }
      waiters.push(waiter)
      return restore(Deferred.await(granted)).pipe(
        Effect.onInterrupt(() =>
          Effect.sync(() => {
            const index = waiters.indexOf(waiter)
            // Still queued: leave the queue. Already granted: the permit was counted, so give it back.
            if (index !== -1) waiters.splice(index, 1)
            else release()
          })
        )
      )
    })

  /** Runs `effect` (interruptible again) holding a permit, and gives the permit back however it ends. */
  const holding = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    // Already uninterruptible here, so no `ensuring` (a second mask) is needed to release surely.
    Effect.matchCauseEffect(effect, {
      onFailure: (cause) => Effect.zipRight(releaseEffect, Effect.failCause(cause)),
      onSuccess: (value) => Effect.as(releaseEffect, value)
    })

  return {
    // The mask's body runs when the call does, so a free permit is taken right there: the common
    // case costs the mask and the match, nothing else (this wraps every module invocation).
    withPermit: (limit) => (effect) =>
      Effect.uninterruptibleMask((restore) => {
        const bound = Math.max(1, limit)
        if (running < bound) {
          running += 1
          return holding(restore(effect))
        }
        return Effect.zipRight(waitForPermit(bound, restore), holding(restore(effect)))
      }),
    inFlight: Effect.sync(() => running)
  }
})
