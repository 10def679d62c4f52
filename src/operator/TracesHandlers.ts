/**
 * The handlers of the `traces` group, over the TraceStore.
 */
import { HttpApiBuilder, type HttpApiGroup } from "@effect/platform"
import { Effect, type Layer } from "effect"
import { TraceStore } from "../middleware/TraceStore.js"
import { OperatorHttpApi } from "./OperatorHttpApi.js"

/** The group's handlers. */
export const layer: Layer.Layer<HttpApiGroup.ApiGroup<"operator", "traces">, never, TraceStore> = HttpApiBuilder.group(
  OperatorHttpApi,
  "traces",
  (handlers) =>
    Effect.gen(function*() {
      const traces = yield* TraceStore
      return handlers.handle("list", ({ urlParams }) =>
        Effect.map(
          urlParams.correlation_id === undefined
            ? traces.recent(urlParams.limit ?? 50)
            : traces.byCorrelation(urlParams.correlation_id),
          (found) => ({ traces: found })
        ))
    })
)
