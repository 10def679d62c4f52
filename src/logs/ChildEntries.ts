/**
 * A child's output lines as entries (`ModuleLine`), over time: an entry in progress is finished by
 * the next line that starts one, by the end of the stream, or after an idle tick with no new line.
 */
import { Clock, Duration, Effect, Schedule, Stream } from "effect"
import { type Assembly, emptyAssembly, flush, type ModuleEntry, step, tick } from "./ModuleLine.js"

/** How often an entry in progress is checked for silence (it is finished within two ticks). */
export const IDLE_TICK: Duration.Duration = Duration.millis(100)

type Event = { readonly _tag: "line"; readonly line: string; readonly at: number } | { readonly _tag: "tick" } | { readonly _tag: "end" }

const tickEvent: Event = { _tag: "tick" }
const endEvent: Event = { _tag: "end" }

/**
 * Entries of `lines`, in order; the stream ends when `lines` does, with the last entry finished.
 *
 * The idle clock ticks only while an entry is in progress: a module that is quiet costs nothing.
 * (It used to tick always, on both pipes of every child: at 30 modules that was 600 wake-ups a
 * second through the stream machinery, a fifth of a core at idle.)
 */
export const assembleEntries = <E, R>(
  lines: Stream.Stream<string, E, R>,
  idle: Schedule.Schedule<unknown> = Schedule.spaced(IDLE_TICK)
): Stream.Stream<ModuleEntry, E, R> =>
  Stream.unwrap(Effect.map(Effect.makeLatch(false), (pending) => {
    // One tick per `idle` delay, each only once the latch says an entry is in progress.
    const ticks: Stream.Stream<Event> = Stream.repeatEffect(Effect.as(pending.await, tickEvent)).pipe(Stream.schedule(idle))
    const events: Stream.Stream<Event, E, R> = lines.pipe(
      Stream.mapEffect((line) => Effect.map(Clock.currentTimeMillis, (at): Event => ({ _tag: "line", line, at }))),
      Stream.concat(Stream.make<[Event]>(endEvent)),
      Stream.merge(ticks, { haltStrategy: "left" })
    )
    return events.pipe(
      Stream.mapAccumEffect(emptyAssembly, (state: Assembly, event: Event) => {
        const [done, next] = event._tag === "line" ? step(state, event.line, event.at) : event._tag === "tick" ? tick(state) : flush(state)
        return Effect.as(next.pending === undefined ? pending.close : pending.open, [next, done] as const)
      }),
      Stream.flattenIterables
    )
  }))
