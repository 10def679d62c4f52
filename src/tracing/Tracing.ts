/**
 * OpenTelemetry traces through @effect/opentelemetry: off by default; with `tracing.otlp_endpoint`
 * every Effect span (`Effect.fn`, `Effect.withSpan`) is batched and posted over OTLP/HTTP. Module
 * calls get a client span of their own only while tracing is on, so a node without tracing pays
 * nothing per call beyond what its `Effect.fn` spans already cost.
 */
import { Effect, Layer, type Option } from "effect"
import type { TracingConfig } from "../config/TracingConfig.js"
import { currentTraceparent, isOn, withSpanWhenTracing } from "./TraceContext.js"

export {
  /** Whether a tracing layer (an exporting tracer) is in place for this fiber. */
  isOn
} from "./TraceContext.js"

/**
 * The current span's `traceparent` while tracing is on; none when it is off, so a module's
 * environment stays exactly what the contract names (CONTRACTS §1.2) on a node without tracing.
 */
export const exportedTraceparent: Effect.Effect<Option.Option<string>> = Effect.flatMap(
  isOn,
  (on) => on ? currentTraceparent : Effect.succeedNone
)

/**
 * Runs `effect` in a client span named `name` when tracing is on; as it is otherwise (its
 * `traceparent` then names the caller's span). `attributes` is called only when the span is made.
 */
export const withClientSpan = (name: string, attributes: () => Record<string, string>) =>
  withSpanWhenTracing(name, attributes, "client")

/**
 * The node's tracing from its config: none without `otlp_endpoint`, else OTLP/HTTP to it (the SDK is
 * loaded only then).
 */
export const layer = (config: TracingConfig | undefined): Layer.Layer<never> => {
  const endpoint = config?.otlp_endpoint
  return config === undefined || endpoint === undefined
    ? Layer.empty
    : Layer.unwrapEffect(
      Effect.zipRight(
        Effect.logInfo(`tracing on: spans of ${config.service_name} go to ${endpoint} (OTLP/HTTP)`),
        Effect.map(Effect.promise(() => import("./OtlpExport.js")), (sdk) => sdk.layerOtlp(config.service_name, endpoint))
      )
    )
}
