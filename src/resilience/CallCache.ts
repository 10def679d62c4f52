/**
 * `cache: TTL` for one module: answers keyed by the canonical JSON of the input, successes from the module
 * only (never errors, never fallbacks), and identical calls in flight at the same time share one request
 * (single flight, a `Deferred` per key).
 *
 * Callers of one module may expect different types, so what comes out of the shared maps is checked with
 * the caller's own guards: a value that fails them is a miss, never a wrong-typed answer.
 */
import { Clock, Deferred, Effect, Either, Exit, Option } from "effect"
import type { CallReport } from "./CallReport.js"

/** Guards that let a caller take a value another caller stored. */
export interface CacheGuards<A, E> {
  readonly isOutput: (u: unknown) => u is A
  /** Errors a shared in-flight call may hand over; anything else is re-run by this caller. */
  readonly isError: (u: unknown) => u is E
}

/** A cached answer. */
interface Entry {
  readonly value: unknown
  readonly storedAtMs: number
}

/** The cache and in-flight calls of one module. */
export interface CallCache {
  /**
   * Answers from the cache when an entry is younger than `ttlMs`, joins an identical call in flight, or
   * runs `compute` and shares its report. Only module successes (`source: "call"`) are stored.
   */
  readonly lookup: <A, E>(
    key: string,
    ttlMs: number,
    guards: CacheGuards<A, E>,
    compute: Effect.Effect<CallReport<A, E>>,
    onHit: (value: A) => CallReport<A, E>
  ) => Effect.Effect<CallReport<A, E>>
  /** Number of stored answers. */
  readonly size: Effect.Effect<number>
  /** Drops every stored answer (in-flight calls are not disturbed). */
  readonly clear: Effect.Effect<void>
}

/** Stored answers per module beyond which the oldest are dropped. */
export const defaultCacheCapacity = 10_000

type Decision =
  | { readonly _tag: "Hit"; readonly value: unknown }
  | { readonly _tag: "Join"; readonly flight: Deferred.Deferred<Option.Option<CallReport<unknown, unknown>>> }
  | { readonly _tag: "Lead" }

/** Re-types a report another caller produced, or none when this caller's guards refuse it. */
const adopt = <A, E>(report: CallReport<unknown, unknown>, guards: CacheGuards<A, E>): Option.Option<CallReport<A, E>> => {
  const result: Option.Option<Either.Either<A, E>> = Either.match(report.result, {
    onLeft: (error) => guards.isError(error) ? Option.some(Either.left(error)) : Option.none(),
    onRight: (value) => guards.isOutput(value) ? Option.some(Either.right(value)) : Option.none()
  })
  const recovered: Option.Option<E> = Option.filter(report.recovered, guards.isError)
  return Option.map(result, (result): CallReport<A, E> => ({ ...report, result, recovered, shared: true }))
}

/** Makes the cache of one module. */
export const makeCallCache = (capacity: number = defaultCacheCapacity): CallCache => {
  const entries = new Map<string, Entry>()
  const inFlight = new Map<string, Deferred.Deferred<Option.Option<CallReport<unknown, unknown>>>>()

  const store = (key: string, value: unknown, storedAtMs: number) => {
    // Re-inserting moves the key to the end, so the first key is always the oldest answer.
    entries.delete(key)
    entries.set(key, { value, storedAtMs })
    while (entries.size > capacity) {
      const oldest = entries.keys().next()
      if (oldest.done === true) break
      entries.delete(oldest.value)
    }
  }

  const lookup = <A, E>(
    key: string,
    ttlMs: number,
    guards: CacheGuards<A, E>,
    compute: Effect.Effect<CallReport<A, E>>,
    onHit: (value: A) => CallReport<A, E>
  ): Effect.Effect<CallReport<A, E>> =>
    // Uninterruptible between registering as leader and installing the hand-over, so an interrupted
    // leader can never leave joiners waiting on a flight nobody will finish.
    Effect.uninterruptibleMask((restore) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const flight = yield* Deferred.make<Option.Option<CallReport<unknown, unknown>>>()
        const decision = yield* Effect.sync((): Decision => {
          const entry = entries.get(key)
          if (entry !== undefined && now - entry.storedAtMs < ttlMs) return { _tag: "Hit", value: entry.value }
          const running = inFlight.get(key)
          if (running !== undefined) return { _tag: "Join", flight: running }
          inFlight.set(key, flight)
          return { _tag: "Lead" }
        })
        switch (decision._tag) {
          case "Hit":
            // A value stored by a caller expecting another type is a miss for this one.
            return guards.isOutput(decision.value) ? onHit(decision.value) : yield* restore(compute)
          case "Join": {
            const shared = yield* restore(Deferred.await(decision.flight))
            return yield* Option.match(shared, {
              // The leader gave up (its caller was interrupted): look again, and lead if nobody else does.
              onNone: () => restore(lookup(key, ttlMs, guards, compute, onHit)),
              onSome: (report) =>
                Option.match(adopt(report, guards), {
                  onNone: () => restore(compute),
                  onSome: Effect.succeed
                })
            })
          }
          case "Lead":
            return yield* restore(compute).pipe(
              Effect.onExit((exit) =>
                Effect.flatMap(Clock.currentTimeMillis, (end) =>
                  Effect.zipRight(
                    Effect.sync(() => {
                      inFlight.delete(key)
                      if (Exit.isSuccess(exit) && exit.value.source === "call" && Either.isRight(exit.value.result)) {
                        store(key, exit.value.result.right, end)
                      }
                    }),
                    Deferred.succeed(flight, Exit.isSuccess(exit) ? Option.some(exit.value) : Option.none())
                  ))
              )
            )
        }
      })
    )

  return {
    lookup,
    size: Effect.sync(() => entries.size),
    clear: Effect.sync(() => entries.clear())
  }
}
