/**
 * Keeps the journals (lifecycle facts, chain traces) within `storage.retention`: a fiber in the
 * store's scope prunes both at start and then every `retention.every`.
 */
import { Duration, Effect, Layer, Schedule } from "effect"
import type { RetentionConfig } from "../config/StorageConfig.js"
import { FactRepo } from "./FactRepo.js"
import { TraceRepo } from "./TraceRepo.js"

/** When the pruner runs again after a pass. */
export const schedule = (retention: RetentionConfig): Schedule.Schedule<number> =>
  Schedule.spaced(Duration.millis(Math.max(1, retention.every)))

/** One pass over both journals; a failure is logged and the next pass tries again. */
export const pruneOnce = (retention: RetentionConfig) =>
  Effect.gen(function*() {
    const facts = yield* FactRepo
    const traces = yield* TraceRepo
    const pruned = yield* Effect.all([facts.prune(retention.facts), traces.prune(retention.traces)])
    if (pruned[0] + pruned[1] > 0) yield* Effect.logDebug(`store retention: pruned ${pruned[0]} facts, ${pruned[1]} traces`)
    return pruned
  }).pipe(
    Effect.tapError((error) => Effect.logWarning(error.message)),
    Effect.orElseSucceed((): readonly [number, number] => [0, 0])
  )

/** The pruning fiber, alive as long as the layer's scope. */
export const layer = (retention: RetentionConfig): Layer.Layer<never, never, FactRepo | TraceRepo> =>
  Layer.scopedDiscard(Effect.forkScoped(Effect.repeat(pruneOnce(retention), schedule(retention))))
