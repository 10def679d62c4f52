/**
 * The `logs` group of the operator API: `GET /v1/logs` answers the recent entries in memory, and
 * `GET /v1/logs/follow` streams them (the recent ones, then each new one) as NDJSON, one entry a line.
 * Both take `source` (comma-separated member ids; `dator` names `middleware.dator`), `n` and `since`.
 * The definition only: the handlers (over the node's logs) are in LogsApiHandlers.ts, so that a
 * client of the API does not load the node's log keeping.
 */
import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiSchema } from "@effect/platform"
import { Clock, Effect, Option, Schema } from "effect"
import { LogEntry } from "./LogEntry.js"
import { type LogQuery, parseSince } from "./LogQuery.js"

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
