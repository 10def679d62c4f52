/**
 * The write-behind journals (issue 10 item 1.5): `offer` never waits on the writer, a full queue
 * drops its oldest entries and counts them, closing the scope writes what is still queued, and the
 * lifecycle log and the trace store persist through their sinks into the store, on both dialects.
 */
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Layer, Queue, Scope } from "effect"
import { LifecycleFact } from "../../src/contract/LifecycleFact.js"
import type { ChainTrace } from "../../src/middleware/ChainTrace.js"
import * as TraceStore from "../../src/middleware/TraceStore.js"
import * as NodeJournals from "../../src/node/NodeJournals.js"
import { FactRepo } from "../../src/store/FactRepo.js"
import * as JournalQueue from "../../src/store/JournalQueue.js"
import { StoreFailed } from "../../src/store/StoreError.js"
import { TraceRepo } from "../../src/store/TraceRepo.js"
import * as LifecycleLog from "../../src/supervisor/LifecycleLog.js"
import { forEachDialect } from "./Stores.js"

const fact = (n: number) =>
  new LifecycleFact({
    at: "2026-12-07T05:00:00.000Z",
    module_id: "dator",
    executor_id: "dator",
    component_id: "middleware.dator",
    from: "starting",
    to: "ready",
    cause: "ready",
    detail: `fact ${n}`,
    pid: 4242
  })

const trace = (n: number): ChainTrace => ({
  hook: "service.execute",
  correlation_id: "run-1",
  causality_id: `cause-${n}`,
  outcome: "completed",
  started_at: "2026-12-07T05:00:00.000Z",
  duration_ms: 1.5,
  executors: []
})

describe("JournalQueue", () => {
  it.scopedLive("offers never wait on a stuck writer; when full the oldest are dropped and counted", () =>
    Effect.gen(function*() {
      const release = yield* Deferred.make<void>()
      const writing = yield* Queue.unbounded<number>()
      const written: Array<number> = []
      const scope = yield* Scope.make()
      const journal = yield* JournalQueue.make<number>({
        name: "numbers",
        capacity: 3,
        batch: 1,
        write: (n) =>
          Effect.zipRight(
            Queue.offer(writing, n),
            Effect.zipRight(Deferred.await(release), Effect.sync(() => void written.push(n)))
          )
      }).pipe(Scope.extend(scope))
      yield* journal.offer(0)
      // The writer holds entry 0 until released: the queue behind it fills up.
      expect(yield* Queue.take(writing)).toBe(0)
      for (let n = 1; n <= 6; n++) yield* journal.offer(n)
      expect(yield* journal.dropped).toBe(3)
      yield* Deferred.succeed(release, undefined)
      // Closing the scope finishes the batch in flight and writes what is queued: the newest three.
      yield* Scope.close(scope, Exit.void)
      expect(written).toEqual([0, 4, 5, 6])
    }))

  it.scopedLive("a batch that fails is written again entry by entry: only the bad entry is lost, and counted", () =>
    Effect.gen(function*() {
      const written: Array<number> = []
      const scope = yield* Scope.make()
      const journal = yield* JournalQueue.make<number>({
        name: "numbers",
        capacity: 10,
        write: (n) =>
          n === 2
            ? Effect.fail(new StoreFailed({ operation: "write 2", reason: "refused on purpose" }))
            : Effect.sync(() => void written.push(n)),
        // Stands for a database transaction: nothing of a failed batch stays written.
        transaction: (writes) => {
          const mark = written.length
          return Effect.tapError(writes, () => Effect.sync(() => void written.splice(mark)))
        }
      }).pipe(Scope.extend(scope))
      yield* Effect.forEach([1, 2, 3], journal.offer, { discard: true })
      yield* Scope.close(scope, Exit.void)
      expect(written.sort()).toEqual([1, 3])
      expect(yield* journal.failed).toBe(1)
      expect(yield* journal.dropped).toBe(0)
    }))
})

forEachDialect("journals through the node's sinks", (dialect) => {
  it.scopedLive("lifecycle facts and chain traces reach the store; in-memory readers still answer", () =>
    Effect.gen(function*() {
      const place = yield* dialect.place
      const store = yield* Layer.build(place.bare())
      const scope = yield* Scope.make()
      // The log and the trace store over the sinks, as NodeRoot composes them.
      const services = yield* Layer.buildWithScope(
        Layer.merge(LifecycleLog.layer, TraceStore.layerWithCapacity(10)).pipe(Layer.provide(NodeJournals.layer(100))),
        scope
      ).pipe(Effect.provide(store))
      yield* Effect.gen(function*() {
        const facts = yield* LifecycleLog.LifecycleLog
        const traces = yield* TraceStore.TraceStore
        for (let n = 0; n < 5; n++) yield* facts.publish(fact(n))
        for (let n = 0; n < 3; n++) yield* traces.record(trace(n))
        expect((yield* facts.history()).length).toBe(5)
        expect((yield* traces.byCorrelation("run-1")).length).toBe(3)
      }).pipe(Effect.provide(services))
      // Closing the node's scope flushes the queues before the store would close.
      yield* Scope.close(scope, Exit.void)
      yield* Effect.gen(function*() {
        const facts = yield* FactRepo
        const traces = yield* TraceRepo
        expect((yield* facts.recent({ limit: 10 })).map((f) => f.detail)).toEqual([0, 1, 2, 3, 4].map((n) => `fact ${n}`))
        const stored = yield* traces.byCorrelation("run-1")
        expect(stored.map((t) => t["causality_id"])).toEqual(["cause-0", "cause-1", "cause-2"])
        expect(stored[0]).toEqual(trace(0))
      }).pipe(Effect.provide(store))
    }))
})
