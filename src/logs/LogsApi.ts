/**
 * The `logs` group of the operator API: `GET /v1/logs` answers the recent entries in memory, and
 * `GET /v1/logs/follow` streams them (the recent ones, then each new one) as NDJSON, one entry a line.
 * Both take `source` (comma-separated member ids; `dator` names `middleware.dator`), `n` and `since`.
 */
import { HttpApi, HttpApiBuilder, HttpApiEndpoint, HttpApiGroup, HttpApiSchema, HttpServerResponse } from "@effect/platform"
import { Clock, Effect, Option, Schema, Stream } from "effect"
import { LogEntry } from "./LogEntry.js"
import { type LogQuery, parseSince } from "./LogQuery.js"
import { NodeLogs } from "./NodeLogs.js"

/** The query string both endpoints take. */
export const LogsParams = Schema.Struct({
  source: Schema.optional(Schema.String),
  n: Schema.optional(Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, 100_000))),
  since: Schema.optional(Schema.String)
})
/** The query string both endpoints take. */
export type LogsParams = typeof LogsParams.Type

/** `GET /v1/logs`'s body. */
export const LogList = Schema.Struct({ entries: Schema.Array(LogEntry) }).annotations({ identifier: "LogList" })

/** `since` was neither an age nor a timestamp. */
export class LogsQueryInvalid extends Schema.TaggedError<LogsQueryInvalid>()(
  "LogsQueryInvalid",
  { since: Schema.String },
  HttpApiSchema.annotations({ status: 400 })
) {
  override get message(): string {
    return `since=${this.since} is neither an age ("10m", "2h", "1d") nor an ISO timestamp ("2026-12-07T05:00:00Z")`
  }
}

/** 503: this node keeps no logs (an embedder built the operator API without `NodeLogs`). */
export class LogsUnavailable extends Schema.TaggedError<LogsUnavailable>()(
  "LogsUnavailable",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 503 })
) {}

/** The group; add it to the operator's `HttpApi`. */
export const LogsGroup = HttpApiGroup.make("logs")
  .add(HttpApiEndpoint.get("recent", "/v1/logs").setUrlParams(LogsParams).addSuccess(LogList).addError(LogsQueryInvalid))
  .add(HttpApiEndpoint.get("follow", "/v1/logs/follow").setUrlParams(LogsParams).addError(LogsQueryInvalid))
  .addError(LogsUnavailable)

/** An API of the logs group alone (the client side, and tests). */
export class LogsApi extends HttpApi.make("orbiplex-logs").add(LogsGroup) {}

/** The query the parameters ask for. */
export const queryOf = (params: LogsParams): Effect.Effect<LogQuery, LogsQueryInvalid> =>
  Effect.gen(function*() {
    const now = yield* Clock.currentTimeMillis
    const since = params.since === undefined
      ? undefined
      : yield* Option.match(parseSince(params.since, now), {
        onNone: () => Effect.fail(new LogsQueryInvalid({ since: params.since ?? "" })),
        onSome: Effect.succeed
      })
    const sources = params.source?.split(",").map((s) => s.trim()).filter((s) => s !== "")
    return { sources, sinceMillis: since, limit: params.n }
  })

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
