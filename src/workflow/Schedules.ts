/**
 * The node's schedules: each enabled entry of the `schedules` section fires by `Schedule.cron` in
 * the node's scope and starts a persisted run through the RunManager. A firing that comes while
 * the schedule's last run still runs is refused or queued (`overlap`); firings missed while the
 * node was down are skipped or run once at start (`missed`), told apart by the last firing kept in
 * the ScheduleStore.
 */
import type { FileSystem, Path } from "@effect/platform"
import { Clock, Context, Cron, DateTime, Effect, Either, Layer, Option, Queue, Ref, Schedule } from "effect"
import { cronOf, type ScheduleEntry } from "../config/ScheduleConfig.js"
import { RunManager } from "./RunManager.js"
import { ScheduleStore } from "./ScheduleStore.js"
import { loadTemplate } from "./Templates.js"

/** One schedule as the node reports it. */
export interface ScheduleView {
  readonly id: string
  readonly cron: string
  readonly timezone: string
  readonly template: string
  readonly missed: string
  readonly overlap: string
  /** The next firings, ISO 8601 in UTC. */
  readonly next: ReadonlyArray<string>
  readonly last_fired?: string
  /** Runs of this schedule the node drives now. */
  readonly running: ReadonlyArray<string>
}

/** The next `count` firings of an entry after `fromMs`. */
export const nextFirings = (entry: ScheduleEntry, fromMs: number, count: number): ReadonlyArray<string> =>
  Either.match(cronOf(entry), {
    onLeft: () => [],
    onRight: (cron) => {
      const out: Array<string> = []
      for (const date of Cron.sequence(cron, new Date(fromMs))) {
        if (out.length >= count) break
        out.push(date.toISOString())
      }
      return out
    }
  })

/** A schedule's view without a running node (`orbiplex schedule list` reads the config). */
export const viewOf = (entry: ScheduleEntry, fromMs: number, count: number): ScheduleView => ({
  id: entry.id,
  cron: entry.cron,
  timezone: entry.timezone,
  template: entry.workflow.template,
  missed: entry.missed,
  overlap: entry.overlap,
  next: nextFirings(entry, fromMs, count),
  running: []
})

/** The run id of one firing: the same firing never starts two runs. */
export const runIdOf = (scheduleId: string, firedAtMs: number): string => `${scheduleId}-${firedAtMs}`

/** The node's schedules. */
export class Schedules extends Context.Tag("orbiplex/Schedules")<Schedules, {
  /** Each schedule with its next `count` firings. */
  readonly list: (count: number) => Effect.Effect<ReadonlyArray<ScheduleView>>
}>() {}

const toSecond = (ms: number): number => ms - (ms % 1000)

/** Starts every enabled entry's firing in the scope of the layer. */
export const make = (entries: ReadonlyArray<ScheduleEntry>) =>
  Effect.gen(function*() {
    const runs = yield* RunManager
    const store = yield* ScheduleStore
    const context = yield* Effect.context<FileSystem.FileSystem | Path.Path>()
    const running = new Map<string, Ref.Ref<ReadonlyArray<string>>>()

    const startOne = (entry: ScheduleEntry, active: Ref.Ref<ReadonlyArray<string>>, firedAt: number) =>
      Effect.gen(function*() {
        const { template } = yield* loadTemplate(entry.workflow.template).pipe(Effect.provide(context))
        const runId = yield* runs.start({ template, params: entry.workflow.params, runId: runIdOf(entry.id, firedAt) })
        yield* Effect.logInfo(`schedule ${entry.id}: started workflow run ${runId}`)
        yield* Ref.update(active, (ids) => [...ids, runId])
        yield* runs.awaitEnd(runId)
        yield* Ref.update(active, (ids) => ids.filter((id) => id !== runId))
      }).pipe(
        Effect.catchAll((error) => Effect.logWarning(`schedule ${entry.id}: the firing at ${new Date(firedAt).toISOString()} started no run: ${error.message}`))
      )

    const runEntry = Effect.fn("Schedules.run")(function*(entry: ScheduleEntry) {
      const cron = yield* Either.match(cronOf(entry), { onLeft: Effect.die, onRight: Effect.succeed })
      const active = yield* Ref.make<ReadonlyArray<string>>([])
      running.set(entry.id, active)
      // Queued firings run one after another; a refused one never enters the queue.
      const firings = yield* Queue.dropping<number>(64)
      yield* Queue.take(firings).pipe(
        Effect.flatMap((firedAt) => startOne(entry, active, firedAt)),
        Effect.forever,
        Effect.forkScoped
      )
      const record = (firedAt: number) =>
        store.record(entry.id, firedAt).pipe(Effect.catchAll((error) => Effect.logWarning(error.message)))

      const now = yield* Clock.currentTimeMillis
      const last = yield* store.lastFired(entry.id).pipe(
        Effect.catchAll((error) => Effect.as(Effect.logWarning(error.message), Option.none<number>()))
      )
      if (Option.isSome(last)) {
        const missed = Cron.prev(cron, new Date(now)).getTime()
        if (missed > last.value) {
          if (entry.missed === "run-once") {
            yield* Effect.logInfo(`schedule ${entry.id}: the node was down at ${new Date(missed).toISOString()}; running it once now`)
            yield* record(missed)
            yield* Queue.offer(firings, missed)
          } else {
            yield* Effect.logInfo(`schedule ${entry.id}: skipping the firings missed while the node was down (missed: skip)`)
          }
        }
      }

      const fire = Effect.gen(function*() {
        const firedAt = toSecond(yield* Clock.currentTimeMillis)
        yield* record(firedAt)
        const busy = (yield* Ref.get(active)).length > 0 || (yield* Queue.size(firings)) > 0
        if (busy && entry.overlap === "refuse") {
          return yield* Effect.logWarning(
            `schedule ${entry.id}: refused the firing at ${new Date(firedAt).toISOString()}: its last run still runs (overlap: refuse)`
          )
        }
        yield* Queue.offer(firings, firedAt)
      })
      yield* Effect.schedule(fire, Schedule.cron(cron)).pipe(Effect.forkScoped)
    })

    const enabled = entries.filter((entry) => entry.enabled)
    yield* Effect.forEach(enabled, runEntry, { discard: true })

    return Schedules.of({
      list: (count) =>
        Effect.gen(function*() {
          const now = yield* Clock.currentTimeMillis
          return yield* Effect.forEach(entries, (entry) =>
            Effect.gen(function*() {
              const last = yield* Effect.orElseSucceed(store.lastFired(entry.id), () => Option.none<number>())
              const active = running.get(entry.id)
              const view: ScheduleView = {
                ...viewOf(entry, now, count),
                ...Option.match(last, { onNone: () => ({}), onSome: (ms) => ({ last_fired: DateTime.formatIso(DateTime.unsafeMake(ms)) }) }),
                running: active === undefined ? [] : yield* Ref.get(active)
              }
              return view
            }))
        })
    })
  })

/** The schedules of the config, firing for the lifetime of the layer. */
export const layer = (
  entries: ReadonlyArray<ScheduleEntry>
): Layer.Layer<Schedules, never, RunManager | ScheduleStore | FileSystem.FileSystem | Path.Path> =>
  Layer.scoped(Schedules, make(entries))
