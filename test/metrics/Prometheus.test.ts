/**
 * The Prometheus text rendering: HELP / TYPE per family, escaped labels, cumulative histogram
 * buckets ending in +Inf, and a parse of the whole text back into samples.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, FastCheck, Metric, MetricBoundaries } from "effect"
import { labelled } from "../../src/metrics/Metrics.js"
import { escapeLabel, familyOf, render, renderSnapshot } from "../../src/metrics/Prometheus.js"
import { parseExposition } from "./Exposition.js"

describe("Prometheus text", () => {
  it("escapes backslashes, quotes and line feeds in label values", () => {
    expect(escapeLabel("a\\b\"c\nd")).toBe("a\\\\b\\\"c\\nd")
  })

  it.prop("every label value survives rendering and parsing", [FastCheck.string()], ([value]) => {
    const text = render([{ name: "x_total", type: "counter", help: "h", samples: [{ name: "x_total", labels: [["v", value]], value: 1 }] }])
    const parsed = parseExposition(text)
    expect(parsed.samples[0]?.labels["v"]).toBe(value)
  })

  it.effect("renders a snapshot's counters, gauges and histograms", () =>
    Effect.gen(function*() {
      const id = `t${Math.random().toString(36).slice(2)}`
      const counter = labelled(Metric.counter(`${id}_calls_total`, { description: "calls", incremental: true }), { module: "a\"b" })
      const histogram = labelled(Metric.histogram(`${id}_seconds`, MetricBoundaries.fromIterable([0.1, 1]), "latency"), { hook: "h" })
      yield* Metric.incrementBy(counter, 2)
      yield* Metric.update(histogram, 0.05)
      yield* Metric.update(histogram, 0.5)
      yield* Metric.update(histogram, 5)
      const snapshot = (yield* Metric.snapshot).filter((pair) => pair.metricKey.name.startsWith(id))
      const text = renderSnapshot(snapshot)
      expect(text).toContain(`# HELP ${id}_calls_total calls\n# TYPE ${id}_calls_total counter\n`)
      expect(text).toContain(`${id}_calls_total{module="a\\"b"} 2\n`)
      expect(text).toContain(`# TYPE ${id}_seconds histogram\n`)
      const parsed = parseExposition(text)
      const buckets = parsed.samples.filter((sample) => sample.name === `${id}_seconds_bucket`)
      expect(buckets.map((sample) => [sample.labels["le"], sample.value])).toEqual([["0.1", 1], ["1", 2], ["+Inf", 3]])
      expect(parsed.samples.find((sample) => sample.name === `${id}_seconds_count`)?.value).toBe(3)
      expect(parsed.samples.find((sample) => sample.name === `${id}_seconds_sum`)?.value).toBeCloseTo(5.55)
      expect(familyOf(snapshot[0]!).samples.length).toBeGreaterThan(0)
    }))
})
