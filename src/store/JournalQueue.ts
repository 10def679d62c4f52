/**
 * A bounded queue between a hot path and the store: `offer` never waits on the database; a fiber in
 * the caller's scope drains the queue in batches. When writes fall behind and the queue is full, the
 * oldest entries are dropped (a journal prefers the recent past) and counted. On scope close the
 * batch in flight finishes and what is still queued is written before the scope releases the store.
 */
import { Effect, Queue, Ref, type Scope } from "effect"
import type { StoreFailed } from "./StoreError.js"

/** A journal's write-behind queue. */
export interface JournalQueue<A> {
  /** Queues an entry; never waits (drops the oldest when full). */
  readonly offer: (entry: A) => Effect.Effect<void>
  /** How many entries were dropped because the queue was full. */
  readonly dropped: Effect.Effect<number>
  /** How many entries failed to be written (logged as they fail). */
  readonly failed: Effect.Effect<number>
}

/** What a journal queue takes. */
export interface JournalQueueSettings<A> {
  /** What is journaled, for log lines (e.g. `lifecycle facts`). */
  readonly name: string
  /** At most this many entries wait for the writer. */
  readonly capacity: number
  /** At most this many entries are taken per write pass. */
  readonly batch?: number
  readonly write: (entry: A) => Effect.Effect<void, StoreFailed>
  /**
   * Runs a batch's writes as one unit (a database transaction: one commit, one fsync, per batch
   * instead of per entry). A batch that fails is written again entry by entry.
   */
  readonly transaction?: (writes: Effect.Effect<void, StoreFailed>) => Effect.Effect<void, StoreFailed>
}

/** A queue drained by a fiber living as long as the caller's scope. */
export const make = <A>(settings: JournalQueueSettings<A>): Effect.Effect<JournalQueue<A>, never, Scope.Scope> =>
  Effect.gen(function*() {
    const capacity = Math.max(1, Math.floor(settings.capacity))
    const queue = yield* Queue.sliding<A>(capacity)
    const dropped = yield* Ref.make(0)
    const failed = yield* Ref.make(0)
    const oneByOne = (entries: Iterable<A>) =>
      Effect.forEach(entries, (entry) =>
        settings.write(entry).pipe(
          Effect.catchAll((error) =>
            Effect.zipRight(Ref.update(failed, (n) => n + 1), Effect.logWarning(`${settings.name} not journaled: ${error.message}`))
          )
        ), { discard: true })
    const transaction = settings.transaction
    const writeAll = (entries: Iterable<A>) =>
      transaction === undefined
        ? oneByOne(entries)
        : transaction(Effect.forEach(entries, settings.write, { discard: true })).pipe(
          Effect.catchAll(() => oneByOne(entries))
        )
    // Runs after the drain fiber is interrupted (finalizers run in reverse): writes what is left.
    yield* Effect.addFinalizer(() => Effect.flatMap(Queue.takeAll(queue), writeAll))
    yield* Queue.takeBetween(queue, 1, settings.batch ?? 256).pipe(
      // A batch taken off the queue is written whole, even when the scope closes meanwhile.
      Effect.flatMap((entries) => Effect.uninterruptible(writeAll(entries))),
      Effect.forever,
      Effect.forkScoped
    )
    return {
      offer: (entry) =>
        Effect.suspend(() => {
          const size = queue.unsafeSize()
          const full = size._tag === "Some" && size.value >= capacity
          const drop = Effect.flatMap(Ref.updateAndGet(dropped, (n) => n + 1), (count) =>
            // Said once, then every 1000 drops: enough to be seen, never a flood on the hot path.
            count === 1 || count % 1_000 === 0
              ? Effect.logWarning(
                `${settings.name}: the store writes fell behind; ${count} of the oldest waiting entries were dropped ` +
                  `(at most ${capacity} wait); check the store's health`
              )
              : Effect.void)
          return Effect.zipRight(full ? drop : Effect.void, Queue.offer(queue, entry))
        }),
      dropped: Ref.get(dropped),
      failed: Ref.get(failed)
    }
  })
