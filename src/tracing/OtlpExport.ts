/**
 * The OpenTelemetry SDK side of tracing: a `NodeSdk` tracer that batches the node's spans to an
 * exporter. Loaded only by a node whose config turns tracing on (see `Tracing.layer`): the SDK and
 * its OTLP exporter are ~700 KB of code that a node without tracing would parse at every start.
 */
import { NodeSdk } from "@effect/opentelemetry"
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http"
import { BatchSpanProcessor, type SpanExporter, type SpanProcessor } from "@opentelemetry/sdk-trace-base"
import type { Layer } from "effect"

/** Exports the node's spans through `processor` (tests pass a SimpleSpanProcessor over an in-memory exporter). */
export const layerProcessor = (serviceName: string, processor: SpanProcessor): Layer.Layer<never> =>
  NodeSdk.layer(() => ({ resource: { serviceName }, spanProcessor: processor }))

/** Batches spans to `exporter`. */
export const layerExporter = (serviceName: string, exporter: SpanExporter): Layer.Layer<never> =>
  layerProcessor(serviceName, new BatchSpanProcessor(exporter))

/** Batches spans over OTLP/HTTP to `url`. */
export const layerOtlp = (serviceName: string, url: string): Layer.Layer<never> =>
  layerExporter(serviceName, new OTLPTraceExporter({ url }))
