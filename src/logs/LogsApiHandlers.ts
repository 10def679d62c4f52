/**
 * The handlers of the operator API's `logs` group (LogsApi.ts), over the node's logs.
 */
import { HttpApiBuilder, HttpServerResponse } from "@effect/platform"
import { Effect, Schema, Stream } from "effect"
import { LogEntry } from "./LogEntry.js"
import { LogsApi, type LogsGroup, LogsUnavailable, queryOf } from "./LogsApi.js"
import type { LogQuery } from "./LogQuery.js"
import { NodeLogs } from "./NodeLogs.js"

const encodeEntry = Schema.encodeSync(LogEntry)

/** The recent entries, then every new one, without repeating those the recent ones hold. */
export const followStream = (logs: NodeLogs["Type"], query: LogQuery): Stream.Stream<LogEntry> =>
  Stream.unwrapScoped(Effect.gen(function*() {
    // Subscribe first, so that nothing recorded while the recent ones are read is missed.
    const live = yield* logs.follow(query)
    const past = yield* logs.recent(query)
    const seen = new Set(past)
    return Stream.concat(Stream.fromIterable(past), Stream.filter(live, (entry) => !seen.has(entry)))
  }))

/** The handlers, over the node's logs (any API holding `LogsGroup`, e.g. `HttpApiBuilder.group(OperatorApi, "logs", logsHandlers(logs))`). */
export const logsHandlers = (logs: NodeLogs["Type"]) =>
<ApiError, ApiR>(handlers: HttpApiBuilder.Handlers.FromGroup<ApiError, ApiR, typeof LogsGroup>) =>
  handlers
    .handle("recent", ({ urlParams }) =>
      Effect.flatMap(queryOf(urlParams), (query) => Effect.map(logs.recent(query), (entries) => ({ entries }))))
    .handleRaw("follow", ({ urlParams }) =>
      Effect.map(queryOf(urlParams), (query) =>
        HttpServerResponse.stream(
          followStream(logs, query).pipe(
            Stream.map((entry) => `${JSON.stringify(encodeEntry(entry))}\n`),
            Stream.encodeText
          ),
          { contentType: "application/x-ndjson" }
        )))

/** The group's handlers in `LogsApi`, over the `NodeLogs` of the layer's context. */
export const layerLogsApi = HttpApiBuilder.group(LogsApi, "logs", (handlers) => Effect.map(NodeLogs, (logs) => logsHandlers(logs)(handlers)))

/** The handlers when the node keeps no logs: both endpoints say so (503) instead of failing as a defect. */
export const noLogsHandlers = <ApiError, ApiR>(handlers: HttpApiBuilder.Handlers.FromGroup<ApiError, ApiR, typeof LogsGroup>) => {
  const unavailable = new LogsUnavailable({ message: "this node keeps no logs: it was built without NodeLogs (orbiplex start always has them)" })
  return handlers.handle("recent", () => Effect.fail(unavailable)).handle("follow", () => Effect.fail(unavailable))
}
