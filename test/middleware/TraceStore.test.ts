/**
 * The trace store: queries by correlation and causality id, newest-first listing, and the bound.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import type { ChainTrace } from "../../src/middleware/ChainTrace.js"
import * as TraceStore from "../../src/middleware/TraceStore.js"

const traceOf = (causality: string, correlation: string): ChainTrace => ({
  hook: "service.execute",
  correlation_id: correlation,
  causality_id: causality,
  outcome: "completed",
  started_at: "2026-01-01T00:00:00.000Z",
  duration_ms: 1,
  executors: []
})

describe("TraceStore", () => {
  it.effect("finds traces by correlation id (oldest first) and by causality id", () =>
    Effect.gen(function*() {
      const store = yield* TraceStore.make(10)
      yield* store.record(traceOf("c1", "order-1"))
      yield* store.record(traceOf("c2", "order-2"))
      yield* store.record(traceOf("c3", "order-1"))
      expect((yield* store.byCorrelation("order-1")).map((t) => t.causality_id)).toEqual(["c1", "c3"])
      expect((yield* store.byCorrelation("nobody"))).toEqual([])
      expect(Option.map(yield* store.byCausality("c2"), (t) => t.correlation_id)).toEqual(Option.some("order-2"))
      expect((yield* store.recent(2)).map((t) => t.causality_id)).toEqual(["c3", "c2"])
    }))

  it.effect("keeps at most `capacity` traces, evicting the oldest, and its index with them", () =>
    Effect.gen(function*() {
      const store = yield* TraceStore.make(3)
      for (let i = 1; i <= 5; i++) yield* store.record(traceOf(`c${i}`, i % 2 === 0 ? "even" : "odd"))
      expect((yield* store.recent(10)).map((t) => t.causality_id)).toEqual(["c5", "c4", "c3"])
      expect((yield* store.byCorrelation("odd")).map((t) => t.causality_id)).toEqual(["c3", "c5"])
      expect(Option.isNone(yield* store.byCausality("c1"))).toBe(true)
      expect(store.capacity).toBe(3)
    }))

  it.effect("recording a causality id again replaces its trace", () =>
    Effect.gen(function*() {
      const store = yield* TraceStore.make(3)
      yield* store.record(traceOf("c1", "a"))
      yield* store.record({ ...traceOf("c1", "b"), outcome: "failed" })
      expect(yield* store.byCorrelation("a")).toEqual([])
      expect((yield* store.byCorrelation("b")).map((t) => t.outcome)).toEqual(["failed"])
    }))
})
