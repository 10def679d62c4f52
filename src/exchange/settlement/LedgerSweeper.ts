/**
 * The deadline cascade in the background: `Ledger.sweep` repeated on a Schedule for as long as the
 * scope that started it lives (the node's). A failed sweep is logged and retried on the next tick:
 * deadlines are dated at the deadline itself, so a late sweep records the same facts.
 */
import { Duration, Effect, Schedule, type Scope } from "effect"
import { type HoldOutcome, Ledger } from "./Ledger.js"

/** How often the sweeper runs: every `interval`. */
export const sweepSchedule = (interval: Duration.DurationInput): Schedule.Schedule<number> => Schedule.spaced(interval)

/** Forks the sweeper into the current scope; `onMoved` hears of every hold a sweep moved. */
export const runSweeper = (
  schedule: Schedule.Schedule<unknown>,
  onMoved: (moved: ReadonlyArray<HoldOutcome>) => Effect.Effect<void> = () => Effect.void
): Effect.Effect<void, never, Ledger | Scope.Scope> =>
  Effect.gen(function*() {
    const ledger = yield* Ledger
    const once = ledger.sweep.pipe(
      Effect.tap((moved) =>
        moved.length === 0
          ? Effect.void
          : Effect.zipRight(Effect.logInfo(`ledger sweep moved ${moved.length} hold(s) past their deadlines`), onMoved(moved))
      ),
      Effect.catchAll((error) => Effect.logWarning(`ledger sweep failed: ${error.message}`))
    )
    yield* Effect.forkScoped(Effect.repeat(once, schedule))
  })
