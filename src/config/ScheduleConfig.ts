/**
 * The `schedules` section: workflows the node starts by itself at cron times, e.g.
 * `{"id": "morning", "cron": "0 6 * * *", "timezone": "Europe/Warsaw",
 *   "workflow": {"template": "morning-briefing", "params": {}}, "missed": "skip", "overlap": "refuse"}`.
 * A cron has five fields, or six with seconds first.
 */
import { Cron, Either, Schema } from "effect"
import { JsonObject } from "../contract/Json.js"

/** What to do with firings missed while the node was down: nothing, or one run at start. */
export const MissedPolicy = Schema.Literal("skip", "run-once")
/** What to do when a firing comes while the schedule's last run still runs: skip it, or run it after. */
export const OverlapPolicy = Schema.Literal("refuse", "queue")

/** One schedule. */
export const ScheduleEntry = Schema.Struct({
  id: Schema.NonEmptyTrimmedString.pipe(Schema.pattern(/^[A-Za-z0-9_.-]+$/)),
  cron: Schema.NonEmptyTrimmedString,
  timezone: Schema.optionalWith(Schema.NonEmptyTrimmedString, { default: () => "UTC" }),
  workflow: Schema.Struct({
    template: Schema.NonEmptyTrimmedString,
    params: Schema.optionalWith(JsonObject, { default: () => ({}) })
  }),
  missed: Schema.optionalWith(MissedPolicy, { default: () => "skip" as const }),
  overlap: Schema.optionalWith(OverlapPolicy, { default: () => "refuse" as const }),
  enabled: Schema.optionalWith(Schema.Boolean, { default: () => true })
}).pipe(
  Schema.filter((entry) =>
    Either.match(Cron.parse(entry.cron, entry.timezone), {
      onRight: () => undefined,
      onLeft: (error) => ({
        path: ["cron"],
        message: `schedule ${entry.id}: cannot use cron ${JSON.stringify(entry.cron)} in time zone ${
          JSON.stringify(entry.timezone)
        } (${error.message}). Write five fields "minute hour day month weekday" (or six, seconds first), e.g. "0 6 * * *", ` +
          `and an IANA zone such as "Europe/Warsaw"`
      })
    })
  )
)
/** One schedule. */
export type ScheduleEntry = typeof ScheduleEntry.Type

/** The section: schedule ids are unique. */
export const SchedulesConfig = Schema.Array(ScheduleEntry).pipe(
  Schema.filter((entries) => {
    const seen = new Set<string>()
    for (const entry of entries) {
      if (seen.has(entry.id)) return `schedule id ${JSON.stringify(entry.id)} is used twice; give each schedule its own id`
      seen.add(entry.id)
    }
    return undefined
  })
)

/** The cron of an entry (a decoded one always parses: the schema checked it). */
export const cronOf = (entry: ScheduleEntry): Either.Either<Cron.Cron, Cron.ParseError> => Cron.parse(entry.cron, entry.timezone)
