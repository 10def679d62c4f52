/**
 * The handlers of the `logs` group over the node's `NodeLogs` (files and recent entries), when the
 * node keeps them; an operator API built without them answers 503 on both routes.
 */
import { HttpApiBuilder, type HttpApiGroup } from "@effect/platform"
import { Effect, type Layer, Option } from "effect"
import { logsHandlers, noLogsHandlers } from "../logs/LogsApiHandlers.js"
import { NodeLogs } from "../logs/NodeLogs.js"
import { OperatorHttpApi } from "./OperatorHttpApi.js"

/** The group's handlers. */
export const layer: Layer.Layer<HttpApiGroup.ApiGroup<"operator", "logs">> = HttpApiBuilder.group(
  OperatorHttpApi,
  "logs",
  (handlers) =>
    Effect.map(Effect.serviceOption(NodeLogs), (found) =>
      Option.match(found, { onSome: (logs) => logsHandlers(logs)(handlers), onNone: () => noLogsHandlers(handlers) }))
)
