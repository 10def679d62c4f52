/**
 * Lifecycle facts (CONTRACTS §1.4), kept apart from invocation traces: a bounded history operators
 * can read, a stream they can follow, and one readable log line per fact.
 */
import { Context, Effect, Layer, Option, PubSub, Ref, type Scope, Stream } from "effect"
import type { LifecycleFact } from "../contract/LifecycleFact.js"

/** How many facts the history keeps (oldest dropped first). */
export const FACT_HISTORY = 2_000

/** The lifecycle fact log. */
export class LifecycleLog extends Context.Tag("orbiplex/LifecycleLog")<LifecycleLog, {
  /** Records a fact, logs its line and tells every follower. */
  readonly publish: (fact: LifecycleFact) => Effect.Effect<void>
  /** Every fact still held, oldest first; optionally only one executor's. */
  readonly history: (executorId?: string) => Effect.Effect<ReadonlyArray<LifecycleFact>>
  /** Facts from now on, for as long as the caller's scope lives. */
  readonly follow: Effect.Effect<Stream.Stream<LifecycleFact>, never, Scope.Scope>
}>() {}

/** The one line an operator reads for a fact, e.g. `middleware.echo ready pid=4242 … in 84 ms`. */
export const factLine = (fact: LifecycleFact): string =>
  fact.detail === ""
    ? `${fact.component_id} ${fact.to}`
    : `${fact.component_id} ${fact.to}${fact.to === "failed" || fact.to === "degraded" ? ":" : ""} ${fact.detail}`

/**
 * Where facts are persisted, when the node has a store (`node/NodeJournals.ts` provides it). Optional:
 * a log without a sink keeps its in-memory history only. `offer` must not wait on the database.
 */
export class FactSink extends Context.Tag("orbiplex/FactSink")<FactSink, {
  readonly offer: (fact: LifecycleFact) => Effect.Effect<void>
}>() {}

/** Builds the log. */
export const make = Effect.gen(function*() {
  const sink = yield* Effect.serviceOption(FactSink)
  const facts = yield* Ref.make<ReadonlyArray<LifecycleFact>>([])
  const hub = yield* PubSub.unbounded<LifecycleFact>()
  return LifecycleLog.of({
    publish: (fact) =>
      Effect.gen(function*() {
        yield* Ref.update(facts, (all) => (all.length >= FACT_HISTORY ? [...all.slice(1), fact] : [...all, fact]))
        const line = factLine(fact)
        // A crash is worth a look even when a restart follows; `failed` needs an operator.
        yield* fact.to === "failed"
          ? Effect.logError(line)
          : fact.to === "degraded" || fact.cause === "crash"
          ? Effect.logWarning(line)
          : Effect.logInfo(line)
        yield* PubSub.publish(hub, fact)
        if (Option.isSome(sink)) yield* sink.value.offer(fact)
      }),
    history: (executorId) =>
      Effect.map(Ref.get(facts), (all) => executorId === undefined ? all : all.filter((fact) => fact.executor_id === executorId)),
    follow: Effect.map(PubSub.subscribe(hub), (queue) => Stream.fromQueue(queue))
  })
})

/** The log as a layer. */
export const layer: Layer.Layer<LifecycleLog> = Layer.effect(LifecycleLog, make)
