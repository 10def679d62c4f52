/**
 * The handlers of the `metrics` group: Effect's metric snapshot (what the node recorded) and the
 * supervisor's members, rendered as Prometheus text.
 */
import { HttpApiBuilder, type HttpApiGroup } from "@effect/platform"
import { Effect, Metric, type Layer } from "effect"
import { memberFamilies } from "../metrics/MemberMetrics.js"
import { renderSnapshot } from "../metrics/Prometheus.js"
import { Supervisor } from "../supervisor/Supervisor.js"
import { OperatorHttpApi } from "./OperatorHttpApi.js"

/** The group's handlers. */
export const layer: Layer.Layer<HttpApiGroup.ApiGroup<"operator", "metrics">, never, Supervisor> = HttpApiBuilder.group(
  OperatorHttpApi,
  "metrics",
  (handlers) =>
    Effect.gen(function*() {
      const supervisor = yield* Supervisor
      return handlers.handle("scrape", () =>
        Effect.gen(function*() {
          const snapshot = yield* Metric.snapshot
          const members = yield* supervisor.list
          return renderSnapshot(snapshot, memberFamilies(members))
        }))
    })
)
