import { describe, expect, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import { LifecycleFact } from "../../src/contract/LifecycleFact.js"
import type { ChainTrace } from "../../src/middleware/ChainTrace.js"
import { FactRepo } from "../../src/store/FactRepo.js"
import { TraceRepo } from "../../src/store/TraceRepo.js"
import { forEachDialect, sqlite } from "./Stores.js"

const fact = (moduleId: string, detail: string) =>
  new LifecycleFact({
    at: "2026-12-07T05:00:00.000Z",
    module_id: moduleId,
    executor_id: moduleId,
    component_id: `${moduleId}-component`,
    from: "starting",
    to: "ready",
    cause: "ready",
    detail,
    pid: 4242
  })

const trace = (correlationId: string): ChainTrace => ({
  hook: "service.execute",
  correlation_id: correlationId,
  causality_id: "c-1",
  outcome: "completed",
  started_at: "2026-12-07T05:00:00.000Z",
  duration_ms: 3.5,
  executors: [{
    executor_id: "dator",
    module_id: "dator",
    component_id: "dator-1",
    status: "applied",
    decision: "allow",
    clipped: [{ path: "/payload/x", reason: "not-granted" }],
    rejected_intents: [],
    intents: [],
    rounds: [],
    duration_ms: 2
  }]
})

const details = (facts: ReadonlyArray<LifecycleFact>) => facts.map((f) => f.detail)

forEachDialect("journals", (dialect) => {
  it.scopedLive("facts and traces are read back as written, and pruned by count and age", () =>
    Effect.gen(function*() {
      const place = yield* dialect.place
      yield* Effect.gen(function*() {
        const facts = yield* FactRepo
        const traces = yield* TraceRepo
        for (const n of [1, 2, 3, 4, 5]) yield* facts.append(fact(n % 2 === 0 ? "arca" : "dator", `f${n}`))
        expect(yield* facts.recent({ limit: 10 })).toEqual([1, 2, 3, 4, 5].map((n) => fact(n % 2 === 0 ? "arca" : "dator", `f${n}`)))
        expect(details(yield* facts.recent({ limit: 2 }))).toEqual(["f4", "f5"])
        expect(details(yield* facts.recent({ limit: 10, module_id: "arca" }))).toEqual(["f2", "f4"])
        expect(yield* facts.prune({ max_age: 3_600_000, max_rows: 3 })).toBe(2)
        expect(details(yield* facts.recent({ limit: 10 }))).toEqual(["f3", "f4", "f5"])
        // Age 0: everything recorded before now goes (the live clock has moved on by then).
        yield* Effect.sleep("5 millis")
        expect(yield* facts.prune({ max_age: 0, max_rows: 100 })).toBe(3)

        yield* traces.append(trace("run-1"))
        yield* traces.append(trace("run-2"))
        yield* traces.append(trace("run-1"))
        expect(yield* traces.byCorrelation("run-1")).toEqual([trace("run-1"), trace("run-1")])
        expect(yield* traces.recent(1)).toEqual([trace("run-1")])
        expect(yield* traces.prune({ max_age: 3_600_000, max_rows: 1 })).toBe(2)
        expect(yield* traces.byCorrelation("run-2")).toEqual([])
      }).pipe(Effect.provide(place.layer()))
      // The journal outlives the node.
      const kept = yield* Effect.flatMap(TraceRepo, (traces) => traces.recent(10)).pipe(Effect.provide(place.layer()))
      expect(kept).toEqual([trace("run-1")])
    }))
})

const factCount = Effect.flatMap(FactRepo, (facts) => Effect.map(facts.recent({ limit: 1_000 }), (all) => all.length))

/** Waits (yielding, never sleeping) until the pruner fiber has brought the journal to `expected` rows. */
const awaitFacts = (expected: number) =>
  factCount.pipe(
    Effect.zipLeft(Effect.yieldNow()),
    Effect.repeat({ until: (count) => count === expected, times: 10_000 })
  )

// The pruning fiber on TestClock, over SQLite: the pruning itself runs on both dialects above.
describe("retention (sqlite)", () => {
  it.scoped("a fiber in the store's scope prunes facts by age every `retention.every`", () =>
    Effect.gen(function*() {
      const place = yield* sqlite.place
      const settings = place.settings({
        retention: {
          every: 3_600_000,
          facts: { max_age: 2 * 3_600_000, max_rows: 1_000 },
          traces: { max_age: 2 * 3_600_000, max_rows: 1_000 }
        }
      })
      yield* Effect.gen(function*() {
        const facts = yield* FactRepo
        yield* facts.append(fact("dator", "at 0h"))
        yield* TestClock.adjust("1 hour")
        yield* facts.append(fact("dator", "at 1h"))
        yield* TestClock.adjust("1 hour")
        // At 2h nothing is older than 2h yet.
        expect(yield* awaitFacts(2)).toBe(2)
        yield* TestClock.adjust("1 hour")
        expect(yield* awaitFacts(1)).toBe(1)
        expect(details(yield* facts.recent({ limit: 10 }))).toEqual(["at 1h"])
        yield* TestClock.adjust("1 hour")
        expect(yield* awaitFacts(0)).toBe(0)
      }).pipe(Effect.provide(place.layer(settings)))
    }))
})
