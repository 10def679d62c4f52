/**
 * The node's metrics, defined once with Effect's Metric module and recorded where the events happen
 * (module invocations, chain runs, provider calls and breakers, workflow runs, orders). Members'
 * states, restarts and resources are read from the supervisor when scraped (MetricsHandlers.ts).
 * This file imports nothing of ours, so every layer may record into it.
 */
import { Effect, Either, Exit, FiberRef, Metric, MetricBoundaries, MetricLabel } from "effect"

// Seconds, from 0.5 ms (a loopback call) to 30 s (a slow provider).
const latencyBoundaries = MetricBoundaries.fromIterable([
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30
])

/** Invocation latency of middleware modules, by module and hook. */
export const invokeDuration = Metric.histogram(
  "orbiplex_module_invoke_duration_seconds",
  latencyBoundaries,
  "time from sending a middleware invocation to its decision or error, by module and hook"
)
/** Middleware invocations, by module, hook and outcome (ok, error). */
export const invocations = Metric.counter("orbiplex_module_invocations_total", {
  description: "middleware invocations by module, hook and outcome",
  incremental: true
})
/** Chain runs, by hook and outcome. */
export const chainRuns = Metric.counter("orbiplex_chain_runs_total", {
  description: "middleware chain runs by hook and outcome",
  incremental: true
})
/** Chain run latency, by hook. */
export const chainDuration = Metric.histogram("orbiplex_chain_duration_seconds", latencyBoundaries, "middleware chain run time by hook")
/** Paths clipped from decisions, by hook and module. */
export const clippedPaths = Metric.counter("orbiplex_chain_clipped_paths_total", {
  description: "paths a decision tried to write and the host clipped, by hook and module",
  incremental: true
})
/** Provider calls, by provider, outcome (ok, error) and source (call, cache, fallback). */
export const providerCalls = Metric.counter("orbiplex_provider_calls_total", {
  description: "RFC-024 provider calls by provider, outcome and source",
  incremental: true
})
/** Provider call latency (all attempts), by provider. */
export const providerDuration = Metric.histogram(
  "orbiplex_provider_call_duration_seconds",
  latencyBoundaries,
  "RFC-024 provider call time, all attempts and waits included, by provider"
)
/** Provider errors left after retries, by provider and error tag. */
export const providerErrors = Metric.counter("orbiplex_provider_errors_total", {
  description: "provider calls that ended in an error, by provider and error",
  incremental: true
})
/** Circuit breaker state by provider: 0 closed, 1 half-open, 2 open. */
export const breakerState = Metric.gauge("orbiplex_provider_breaker_state", {
  description: "circuit breaker state by provider: 0 closed, 1 half-open, 2 open"
})
/** Workflow runs that ended, by template and outcome. */
export const workflowRuns = Metric.counter("orbiplex_workflow_runs_total", {
  description: "Arca workflow runs that ended, by template and outcome",
  incremental: true
})
/** Procurement orders, by outcome. */
export const orders = Metric.counter("orbiplex_orders_total", {
  description: "procurement orders by outcome",
  incremental: true
})

// One tagged metric per metric and label set, made once: building a tagged metric (its key, its
// hash, the registry look-up) on every call cost more than the call itself on the invoke hot path.
const tagged = new WeakMap<object, Map<string, unknown>>()

const isSameMetric = <Type, In, Out>(
  _metric: Metric.Metric<Type, In, Out>,
  cached: unknown
): cached is Metric.Metric<Type, In, Out> => Metric.MetricTypeId in Object(cached)

/** `metric` with `labels` as its tags (made once per label set). */
export const labelled = <Type, In, Out>(
  metric: Metric.Metric<Type, In, Out>,
  labels: Readonly<Record<string, string>>
): Metric.Metric<Type, In, Out> => {
  const byLabels = tagged.get(metric) ?? new Map<string, unknown>()
  if (!tagged.has(metric)) tagged.set(metric, byLabels)
  const key = Object.entries(labels).map(([name, value]) => `${name}\u0000${value}`).join("\u0001")
  const cached = byLabels.get(key)
  if (cached !== undefined && isSameMetric(metric, cached)) return cached
  const made = Metric.taggedWithLabels(metric, Object.entries(labels).map(([name, value]) => MetricLabel.make(name, value)))
  byLabels.set(key, made)
  return made
}

/** Times one invocation and counts its outcome, for one module and hook. */
export type InvokeMeter = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>

/**
 * The meter of `module` on `hook`, its tagged metrics resolved here: a caller keeps it per module and
 * hook, so a call pays two clock reads and two metric updates, no label key and no registry look-up.
 */
export const invokeMeter = (module: string, hook: string): InvokeMeter => {
  const succeeded = labelled(invocations, { module, hook, outcome: "ok" })
  const failed = labelled(invocations, { module, hook, outcome: "error" })
  const duration = labelled(invokeDuration, { module, hook })
  // One clock look-up and one read of the fiber's metric labels per call, the updates made in one
  // step: `Metric.update` reads the labels and suspends once per metric, and this is paid per invoke.
  return (effect) =>
    Effect.clockWith((clock) => {
      const started = clock.unsafeCurrentTimeNanos()
      return Effect.onExit(effect, (exit) =>
        Effect.withFiberRuntime((fiber) => {
          const labels = fiber.getFiberRef(FiberRef.currentMetricLabels)
          if (Exit.isFailure(exit)) failed.unsafeUpdate(1, labels)
          else {
            duration.unsafeUpdate(Number(clock.unsafeCurrentTimeNanos() - started) / 1e9, labels)
            succeeded.unsafeUpdate(1, labels)
          }
          return Effect.void
        }))
    })
}

/** What a chain run's trace says that metrics count. */
export interface ChainRecord {
  readonly hook: string
  readonly outcome: string
  readonly duration_ms: number
  readonly executors: ReadonlyArray<{ readonly executor_id: string; readonly clipped: ReadonlyArray<unknown> }>
}

// Each hook's chain metrics, tagged once: a chain run is recorded on every run, and building the
// label key per metric per run showed in a chain's profile.
interface ChainMeters {
  readonly runs: Map<string, Metric.Metric.Counter<number>>
  readonly duration: Metric.Metric.Histogram<number>
  readonly clipped: Map<string, Metric.Metric.Counter<number>>
}
const chainMeters = new Map<string, ChainMeters>()

// The value of `key` in `map`, made and kept on first use.
const cached = <M>(map: Map<string, M>, key: string, make: () => M): M => {
  const known = map.get(key)
  if (known !== undefined) return known
  const made = make()
  map.set(key, made)
  return made
}

const chainMetersOf = (hook: string): ChainMeters =>
  cached(chainMeters, hook, () => ({ runs: new Map(), duration: labelled(chainDuration, { hook }), clipped: new Map() }))

/** Counts one chain run: its outcome, its time, and each module's clipped paths. */
export const recordChain = (trace: ChainRecord): Effect.Effect<void> =>
  Effect.withFiberRuntime((fiber) => {
    const labels = fiber.getFiberRef(FiberRef.currentMetricLabels)
    const meters = chainMetersOf(trace.hook)
    cached(meters.runs, trace.outcome, () => labelled(chainRuns, { hook: trace.hook, outcome: trace.outcome })).unsafeUpdate(1, labels)
    meters.duration.unsafeUpdate(trace.duration_ms / 1000, labels)
    for (const executor of trace.executors) {
      if (executor.clipped.length === 0) continue
      cached(meters.clipped, executor.executor_id, () => labelled(clippedPaths, { hook: trace.hook, module: executor.executor_id }))
        .unsafeUpdate(executor.clipped.length, labels)
    }
    return Effect.void
  })

/** What a provider call's report says that metrics count. */
export interface ProviderCallRecord {
  readonly module: string
  readonly source: string
  readonly result: Either.Either<unknown, unknown>
}

const errorTag = (error: unknown): string =>
  typeof error === "object" && error !== null && "_tag" in error && typeof error._tag === "string" ? error._tag : "Error"

// Each provider's call metrics, tagged once (as the chain's): recorded on every provider call.
interface ProviderMeters {
  readonly duration: Metric.Metric.Histogram<number>
  readonly calls: Map<string, Metric.Metric.Counter<number>>
  readonly errors: Map<string, Metric.Metric.Counter<number>>
}
const providerMeters = new Map<string, ProviderMeters>()

const providerMetersOf = (provider: string): ProviderMeters =>
  cached(providerMeters, provider, () => ({ duration: labelled(providerDuration, { provider }), calls: new Map(), errors: new Map() }))

/** Counts one provider call that took `seconds`: its outcome and source, and its error when it ended in one. */
const recordProviderCall = (provider: string, seconds: number, report: ProviderCallRecord): Effect.Effect<void> =>
  Effect.withFiberRuntime((fiber) => {
    const labels = fiber.getFiberRef(FiberRef.currentMetricLabels)
    const meters = providerMetersOf(provider)
    const outcome = Either.isLeft(report.result) ? "error" : "ok"
    meters.duration.unsafeUpdate(seconds, labels)
    cached(meters.calls, `${outcome}\u0000${report.source}`, () => labelled(providerCalls, { provider, outcome, source: report.source }))
      .unsafeUpdate(1, labels)
    if (Either.isLeft(report.result)) {
      const error = errorTag(report.result.left)
      cached(meters.errors, error, () => labelled(providerErrors, { provider, error })).unsafeUpdate(1, labels)
    }
    return Effect.void
  })

/** Times one provider call and counts its outcome (and its error, when it ended in one). */
export const trackProviderCall = (provider: string) =>
<A extends ProviderCallRecord, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.clockWith((clock) => {
    const started = clock.unsafeCurrentTimeNanos()
    return Effect.tap(effect, (report) => recordProviderCall(provider, Number(clock.unsafeCurrentTimeNanos() - started) / 1e9, report))
  })

/** Sets a provider's breaker gauge from its state tag. */
export const recordBreaker = (provider: string, state: "Closed" | "HalfOpen" | "Open"): Effect.Effect<void> =>
  Metric.set(labelled(breakerState, { provider }), state === "Closed" ? 0 : state === "HalfOpen" ? 1 : 2)

/** Counts one workflow run that ended. */
export const recordWorkflowRun = (template: string, outcome: string): Effect.Effect<void> =>
  Metric.increment(labelled(workflowRuns, { template, outcome }))

/** Counts one procurement order by outcome. */
export const recordOrder = (outcome: string): Effect.Effect<void> => Metric.increment(labelled(orders, { outcome }))
