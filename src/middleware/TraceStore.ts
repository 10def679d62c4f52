/**
 * A bounded in-memory store of chain traces (issue 3 item 6), queryable by correlation id. The oldest
 * trace is evicted once `capacity` is reached, so a busy node's memory stays flat. When the node has
 * a store, each trace is also handed to the `TraceSink` (a write-behind queue, see
 * `node/NodeJournals.ts`); readers keep reading the memory.
 */
import { Context, Effect, Layer, Option } from "effect"
import type { ChainTrace } from "./ChainTrace.js"

/** The trace store. */
export class TraceStore extends Context.Tag("orbiplex/TraceStore")<TraceStore, {
  /** Keeps a trace, evicting the oldest one when full. */
  readonly record: (trace: ChainTrace) => Effect.Effect<void>
  /** Every kept trace of a correlation id, oldest first. */
  readonly byCorrelation: (correlationId: string) => Effect.Effect<ReadonlyArray<ChainTrace>>
  /** The trace of one chain run. */
  readonly byCausality: (causalityId: string) => Effect.Effect<Option.Option<ChainTrace>>
  /** The most recent traces, newest first. */
  readonly recent: (limit: number) => Effect.Effect<ReadonlyArray<ChainTrace>>
  /** How many traces are kept at most. */
  readonly capacity: number
}>() {}

/** Where traces are persisted, when the node has a store. Optional; `offer` must not wait on the database. */
export class TraceSink extends Context.Tag("orbiplex/TraceSink")<TraceSink, {
  readonly offer: (trace: ChainTrace) => Effect.Effect<void>
}>() {}

/** How many traces a store keeps unless told otherwise. */
export const DefaultCapacity = 1_000

/** A store keeping at most `capacity` traces. */
export const make = (capacity: number = DefaultCapacity): Effect.Effect<TraceStore["Type"]> =>
  Effect.map(Effect.serviceOption(TraceSink), (sink) => {
    const bound = Math.max(1, Math.floor(capacity))
    // Insertion order is eviction order; the index maps a correlation id to its causality ids.
    const traces = new Map<string, ChainTrace>()
    const index = new Map<string, Set<string>>()
    const forget = (causalityId: string) => {
      const trace = traces.get(causalityId)
      if (trace === undefined) return
      traces.delete(causalityId)
      const ids = index.get(trace.correlation_id)
      ids?.delete(causalityId)
      if (ids?.size === 0) index.delete(trace.correlation_id)
    }
    return TraceStore.of({
      record: (trace) =>
        Effect.sync(() => {
          forget(trace.causality_id)
          while (traces.size >= bound) {
            const oldest = traces.keys().next()
            if (oldest.done === true) break
            forget(oldest.value)
          }
          traces.set(trace.causality_id, trace)
          const ids = index.get(trace.correlation_id) ?? new Set<string>()
          ids.add(trace.causality_id)
          index.set(trace.correlation_id, ids)
        }).pipe(Effect.zipRight(Option.isSome(sink) ? sink.value.offer(trace) : Effect.void)),
      byCorrelation: (correlationId) =>
        Effect.sync(() =>
          [...(index.get(correlationId) ?? [])].flatMap((id) => {
            const trace = traces.get(id)
            return trace === undefined ? [] : [trace]
          })
        ),
      byCausality: (causalityId) => Effect.sync(() => Option.fromNullable(traces.get(causalityId))),
      recent: (limit) => Effect.sync(() => [...traces.values()].reverse().slice(0, Math.max(0, limit))),
      capacity: bound
    })
  })

/** A store with the default capacity. */
export const layer: Layer.Layer<TraceStore> = Layer.effect(TraceStore, make())

/** A store keeping at most `capacity` traces. */
export const layerWithCapacity = (capacity: number): Layer.Layer<TraceStore> => Layer.effect(TraceStore, make(capacity))
