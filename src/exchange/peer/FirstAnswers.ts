/**
 * Idempotent answers: the first answer to a key is kept, and every later request with the same key
 * (even one racing the first) gets that answer without doing the work again. A dispatch's
 * `request_id` from one buyer is such a key (SETTLEMENT.md: "the same request_id again → the first
 * answer"). Held in memory for `ttlMs` after the first answer, on the Clock.
 */
import { Clock, Deferred, Effect } from "effect"

/** A keyed memory of first answers. */
export interface FirstAnswers<A> {
  /** The first answer for `key`, computing it with `work` only when there is none. */
  readonly answer: (key: string, work: Effect.Effect<A>) => Effect.Effect<A>
}

/** Remembers answers for `ttlMs`. */
export const make = <A>(ttlMs: number): Effect.Effect<FirstAnswers<A>> =>
  Effect.sync(() => {
    const answers = new Map<string, { readonly answer: Deferred.Deferred<A>; readonly at: number }>()
    const prune = (now: number) => {
      for (const [key, entry] of answers) if (now - entry.at >= ttlMs) answers.delete(key)
    }
    return {
      answer: (key, work) =>
        Effect.gen(function*() {
          const now = yield* Clock.currentTimeMillis
          prune(now)
          const held = answers.get(key)
          if (held !== undefined) return yield* Deferred.await(held.answer)
          const answer = yield* Deferred.make<A>()
          answers.set(key, { answer, at: now })
          // The work is not interruptible: a caller that goes away must not leave later callers waiting forever.
          const value = yield* Effect.uninterruptible(work)
          yield* Deferred.succeed(answer, value)
          return value
        })
    }
  })
