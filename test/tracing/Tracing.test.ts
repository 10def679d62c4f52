/**
 * Traces end to end with an in-memory exporter: one chain run over a real supervised Python module
 * is one trace, from the run's span down to the module call's client span, and the module received
 * a `traceparent` naming that client span (the SDK hands it to the handler). With tracing off, the
 * call carries the caller's span and no client span is made.
 */
import { describe, expect, it } from "@effect/vitest"
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Effect, Layer } from "effect"
import { fileURLToPath } from "node:url"
import { TracingConfig } from "../../src/config/TracingConfig.js"
import { isJsonObject } from "../../src/contract/Json.js"
import * as OtlpExport from "../../src/tracing/OtlpExport.js"
import * as Tracing from "../../src/tracing/Tracing.js"
import { startChain } from "../middleware/ChainHarness.js"
import { fixtureEntry, RUN_MARKER } from "../support/Fixture.js"
import { quiet } from "../support/Node.js"
import { expectNoLeftoverProcesses } from "../support/Processes.js"

expectNoLeftoverProcesses()

const TRACE_MODULE = fileURLToPath(new URL("./trace_module.py", import.meta.url))

const tracedEntry = fixtureEntry("traced", "ok", {
  module_id: "fixture-traced",
  hooks: ["service.execute"],
  launch: { args: [TRACE_MODULE, RUN_MARKER] },
  env: { FIXTURE_MODULE_ID: "fixture-traced" }
})

const order = {
  order: { order_id: "order-1", service_type: "redaction", offer_id: "offer-9" },
  request: { input: { text: "Ala ma kota" } }
}

// What the module reported seeing, from the run's trace.
const seen = (diagnostics: unknown) => {
  const value = isJsonObject(diagnostics) ? diagnostics : {}
  return { traceparent: value["traceparent"], traceId: value["trace_id"], spawnedUnder: value["spawned_under"] }
}

describe("OpenTelemetry traces", () => {
  it.scopedLive("a chain run is one trace down to the module call, and the module got its traceparent", () => {
    const exporter = new InMemorySpanExporter()
    return Effect.gen(function*() {
      const node = yield* startChain([tracedEntry])
      const result = yield* node.runner.runHook("service.execute", order, { correlationId: "traced-run" }).pipe(
        Effect.withSpan("test.workflow-step")
      )
      expect(result.outcome).toBe("completed")
      const reported = seen(result.trace.executors[0]?.rounds[0]?.diagnostics)

      const spans = exporter.getFinishedSpans()
      const step = spans.find((span) => span.name === "test.workflow-step")
      const call = spans.find((span) => span.name === "ModuleClient.invoke")
      const run = spans.find((span) => span.name === "ChainRunner.runHook")
      expect(step).toBeDefined()
      expect(run).toBeDefined()
      expect(call).toBeDefined()
      const traceId = step?.spanContext().traceId
      // One trace: the step, the chain run and the module call share its id.
      expect(run?.spanContext().traceId).toBe(traceId)
      expect(call?.spanContext().traceId).toBe(traceId)
      expect(call?.attributes["orbiplex.executor_id"]).toBe("traced")
      // The module was handed the call's own span as its parent.
      expect(reported.traceparent).toBe(`00-${traceId}-${call?.spanContext().spanId}-01`)
      expect(reported.traceId).toBe(traceId)
      // It was spawned under a span too (the node's start), so its start-up logs are traced.
      expect(typeof reported.spawnedUnder).toBe("string")
    }).pipe(quiet, Effect.provide(OtlpExport.layerProcessor("orbiplex-test", new SimpleSpanProcessor(exporter))))
  }, 60_000)

  it.scopedLive("off by default: no exporting tracer, and the call still names the caller's span", () =>
    Effect.gen(function*() {
      expect(yield* Tracing.isOn).toBe(false)
      expect(Tracing.layer(TracingConfig.make({}))).toBe(Layer.empty)
      const node = yield* startChain([tracedEntry])
      const result = yield* node.runner.runHook("service.execute", order, { correlationId: "untraced-run" }).pipe(
        Effect.withSpan("test.untraced-step")
      )
      const reported = seen(result.trace.executors[0]?.rounds[0]?.diagnostics)
      const span = yield* Effect.withSpan(Effect.currentSpan, "probe")
      expect(reported.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/)
      // The environment stays exactly the contract's: no TRACEPARENT without tracing.
      expect(reported.spawnedUnder).toBeNull()
      expect(span.traceId).toMatch(/^[0-9a-f]{32}$/)
    }).pipe(quiet), 60_000)
})
