/**
 * One log entry as the node keeps it (ring, files, API) and the one text line it is written as:
 * `2026-12-07T05:00:00.123Z WARN  middleware.dator[123]| message`, continuation lines indented
 * with a tab, so a traceback stays one entry on disk and is read back as one.
 */
import { LogLevel, Option, Schema } from "effect"

/** Entry levels, named as Effect's `LogLevel` labels. */
export const Level = Schema.Literal("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL")
/** An entry level. */
export type Level = typeof Level.Type

const rank: Record<Level, number> = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4, FATAL: 5 }

/** True when `level` is at least `minimum`. */
export const atLeast = (level: Level, minimum: Level): boolean => rank[level] >= rank[minimum]

const toEffect: Record<Level, LogLevel.LogLevel> = {
  TRACE: LogLevel.Trace,
  DEBUG: LogLevel.Debug,
  INFO: LogLevel.Info,
  WARN: LogLevel.Warning,
  ERROR: LogLevel.Error,
  FATAL: LogLevel.Fatal
}

/** The Effect `LogLevel` an entry level is logged at. */
export const toLogLevel = (level: Level): LogLevel.LogLevel => toEffect[level]

/** The entry level of an Effect `LogLevel` (`All` reads as TRACE, `None` as FATAL). */
export const fromLogLevel = (level: LogLevel.LogLevel): Level =>
  level._tag === "All" ? "TRACE" : level._tag === "None" ? "FATAL" : level.label === "WARN" ? "WARN" : Schema.decodeUnknownOption(Level)(level.label).pipe(Option.getOrElse((): Level => "INFO"))

/** How timestamps are written: UTC (`…Z`) or the host's local time with its offset. */
export const Timezone = Schema.Literal("utc", "local")
/** A timezone choice. */
export type Timezone = typeof Timezone.Type

/** The source name of the host's own lines. */
export const HOST_SOURCE = "host"

/** One entry: when the host received it, its level, who wrote it, and the (possibly multi-line) text. */
export const LogEntry = Schema.Struct({
  at: Schema.String,
  level: Level,
  source: Schema.String,
  pid: Schema.optionalWith(Schema.Int, { exact: true }),
  stream: Schema.optionalWith(Schema.Literal("stdout", "stderr"), { exact: true }),
  message: Schema.String
}).annotations({ identifier: "LogEntry" })
/** One entry. */
export type LogEntry = typeof LogEntry.Type

const pad = (value: number, width = 2) => String(Math.abs(value)).padStart(width, "0")

/** An ISO-8601 timestamp with milliseconds, in UTC (`Z`) or local time with its offset. */
export const formatStamp = (date: Date, timezone: Timezone): string => {
  if (timezone === "utc") return date.toISOString()
  const offset = -date.getTimezoneOffset()
  const zone = `${offset < 0 ? "-" : "+"}${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:` +
    `${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}${zone}`
}

/** The entry as text: one header line, then each further line of the message after a tab. */
export const formatEntry = (entry: LogEntry): string => {
  const tag = entry.source === HOST_SOURCE ? "" : `${entry.source}${entry.pid === undefined ? "" : `[${entry.pid}]`}| `
  const [first = "", ...rest] = entry.message.split("\n")
  return [`${entry.at} ${entry.level.padEnd(5)} ${tag}${first}`, ...rest.map((line) => `\t${line}`)].join("\n")
}

const header = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)) (TRACE|DEBUG|INFO|WARN|ERROR|FATAL) +(.*)$/
const tagged = /^([^\s|[\]]+)(?:\[(\d+)\])?\| (.*)$/

/** Reads a header line written by `formatEntry`; none for a continuation or a foreign line. */
export const parseHeader = (line: string, source: string): Option.Option<LogEntry> => {
  const match = header.exec(line)
  if (match === null) return Option.none()
  const [, at = "", level = "INFO", rest = ""] = match
  const tag = source === HOST_SOURCE ? null : tagged.exec(rest)
  const levelOf = Schema.decodeUnknownOption(Level)(level)
  return Option.map(levelOf, (decoded) =>
    tag === null
      ? { at, level: decoded, source, message: rest }
      : {
        at,
        level: decoded,
        source,
        ...(tag[2] === undefined ? {} : { pid: Number(tag[2]) }),
        message: tag[3] ?? ""
      })
}

/** Reads the entries of a file's text: continuation lines join the entry before them. */
export const parseEntries = (text: string, source: string): ReadonlyArray<LogEntry> => {
  const entries: Array<LogEntry> = []
  for (const line of text.split("\n")) {
    if (line === "") continue
    const parsed = parseHeader(line, source)
    if (Option.isSome(parsed)) {
      entries.push(parsed.value)
      continue
    }
    const last = entries.pop()
    // A line before any header (the start of a file cut by rotation) becomes its own entry.
    entries.push(last === undefined
      ? { at: "", level: "INFO", source, message: line.replace(/^\t/, "") }
      : { ...last, message: `${last.message}\n${line.replace(/^\t/, "")}` })
  }
  return entries
}
