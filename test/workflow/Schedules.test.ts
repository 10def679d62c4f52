/**
 * The schedules (src/workflow/Schedules.ts) under TestClock: a firing starts a run, a firing over
 * a running run is refused or queued, and firings missed while the node was down are skipped or run
 * once. The RunManager here is scripted (runs end when the test says); the cron, the schedule, the
 * template file and the ScheduleStore are the real ones.
 */
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Context, Deferred, Effect, Layer, Option, Queue, Ref, Schema, TestClock } from "effect"
import { ScheduleEntry } from "../../src/config/ScheduleConfig.js"
import { RunManager } from "../../src/workflow/RunManager.js"
import { ScheduleStore } from "../../src/workflow/ScheduleStore.js"
import * as ScheduleStoreModule from "../../src/workflow/ScheduleStore.js"
import * as Schedules from "../../src/workflow/Schedules.js"
import { tempDir, writeFile } from "../support/TempFiles.js"

type Ended = "cancelled" | "errored"

/** A RunManager whose runs end when `end` is called; `started` yields each run id as it starts. */
const scriptedRuns = Effect.gen(function*() {
  const started = yield* Queue.unbounded<string>()
  const ends = yield* Ref.make(new Map<string, Deferred.Deferred<Ended>>())
  const service = RunManager.of({
    start: (request) =>
      Effect.gen(function*() {
        const id = request.runId ?? "run"
        const done = yield* Deferred.make<Ended>()
        yield* Ref.update(ends, (map) => new Map(map).set(id, done))
        yield* Queue.offer(started, id)
        return id
      }),
    get: () => Effect.succeed(Option.none()),
    list: Effect.succeed([]),
    cancel: () => Effect.succeed({ _tag: "Unknown" as const }),
    awaitEnd: (id) =>
      Effect.flatMap(Ref.get(ends), (map) => {
        const done = map.get(id)
        return done === undefined ? Effect.succeed(Option.none()) : Effect.map(Deferred.await(done), Option.some)
      }),
    isActive: () => Effect.succeed(true)
  })
  const end = (id: string) =>
    Effect.flatMap(Ref.get(ends), (map) => {
      const done = map.get(id)
      return done === undefined ? Effect.die(`no run ${id}`) : Deferred.succeed(done, "cancelled")
    })
  return { service, started, end }
})

const entry = (fields: Record<string, unknown>) => Schema.decodeUnknownSync(ScheduleEntry)(fields)

/** Builds the schedules over the scripted runs and an in-memory store (holding `lastFired` when given). */
const setup = (fields: (template: string) => Record<string, unknown>, lastFired?: number) =>
  Effect.gen(function*() {
    const dir = yield* tempDir
    const template = writeFile(dir, "t.json", { workflow_id: "t", phases: [] })
    const runs = yield* scriptedRuns
    const store = yield* Layer.build(ScheduleStoreModule.layerMemory)
    if (lastFired !== undefined) yield* Effect.orDie(Context.get(store, ScheduleStore).record("s", lastFired))
    const context = yield* Layer.build(
      Schedules.layer([entry({ id: "s", ...fields(template) })]).pipe(
        Layer.provide([Layer.succeed(RunManager, runs.service), Layer.succeedContext(store), NodeContext.layer])
      )
    )
    return { runs, schedules: Context.get(context, Schedules.Schedules) }
  })

/** Waits until the schedule's runs have ended, as the schedule sees it. */
const idle = (schedules: Context.Tag.Service<typeof Schedules.Schedules>) =>
  Effect.repeat(schedules.list(1), { until: (views) => views.every((view) => view.running.length === 0) })

const every10s = (template: string) => ({ cron: "*/10 * * * * *", workflow: { template } })

describe("schedules", () => {
  it.scoped("each firing of the cron starts a run named after the schedule and the firing", () =>
    Effect.gen(function*() {
      const { runs, schedules } = yield* setup(every10s)
      yield* TestClock.adjust("10 seconds")
      expect(yield* Queue.take(runs.started)).toBe("s-10000")
      yield* runs.end("s-10000")
      yield* idle(schedules)
      yield* TestClock.adjust("10 seconds")
      expect(yield* Queue.take(runs.started)).toBe("s-20000")
      const [view] = yield* schedules.list(2)
      expect(view?.last_fired).toBe("1970-01-01T00:00:20.000Z")
      expect(view?.next).toEqual(["1970-01-01T00:00:30.000Z", "1970-01-01T00:00:40.000Z"])
    }))

  it.scoped("overlap refuse: a firing while the last run runs starts nothing", () =>
    Effect.gen(function*() {
      const { runs, schedules } = yield* setup((template) => ({ ...every10s(template), overlap: "refuse" }))
      yield* TestClock.adjust("10 seconds")
      expect(yield* Queue.take(runs.started)).toBe("s-10000")
      yield* TestClock.adjust("10 seconds")
      yield* runs.end("s-10000")
      yield* idle(schedules)
      yield* TestClock.adjust("10 seconds")
      // The firing at 20 s was refused: the next run is the one of 30 s.
      expect(yield* Queue.take(runs.started)).toBe("s-30000")
    }))

  it.scoped("overlap queue: a firing while the last run runs starts after it", () =>
    Effect.gen(function*() {
      const { runs } = yield* setup((template) => ({ ...every10s(template), overlap: "queue" }))
      yield* TestClock.adjust("10 seconds")
      expect(yield* Queue.take(runs.started)).toBe("s-10000")
      yield* TestClock.adjust("10 seconds")
      yield* runs.end("s-10000")
      expect(yield* Queue.take(runs.started)).toBe("s-20000")
    }))

  it.scoped("missed run-once: a firing missed while the node was down runs once at start", () =>
    Effect.gen(function*() {
      yield* TestClock.adjust("65 seconds")
      const { runs } = yield* setup((template) => ({ ...every10s(template), missed: "run-once" }), 5_000)
      // Of the firings at 10..60 s only the last runs, once.
      expect(yield* Queue.take(runs.started)).toBe("s-60000")
      yield* runs.end("s-60000")
      yield* TestClock.adjust("5 seconds")
      expect(yield* Queue.take(runs.started)).toBe("s-70000")
    }))

  it.scoped("missed skip: nothing runs for the missed firings; the next firing runs", () =>
    Effect.gen(function*() {
      yield* TestClock.adjust("65 seconds")
      const { runs } = yield* setup((template) => ({ ...every10s(template), missed: "skip" }), 5_000)
      yield* TestClock.adjust("5 seconds")
      expect(yield* Queue.take(runs.started)).toBe("s-70000")
    }))

  it("a cron that does not parse is refused with the schedule's id", () => {
    const decoded = Schema.decodeUnknownEither(ScheduleEntry)({ id: "bad", cron: "61 * * * *", workflow: { template: "x" } })
    expect(decoded._tag).toBe("Left")
    if (decoded._tag === "Left") expect(decoded.left.message).toContain("schedule bad: cannot use cron")
  })
})
