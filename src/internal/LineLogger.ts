/**
 * One readable line per log entry, with one dated timestamp:
 * `2026-12-07T05:00:06.642Z INFO  middleware.echo[7706]| listening on 127.0.0.1:40411`.
 * Module output is tagged with the component that produced it, so an operator can grep one module;
 * the host's own lines carry no tag. Further lines of an entry (a traceback) follow after a tab.
 */
import { Cause, HashMap, Layer, Logger, Option } from "effect"
import { formatEntry, formatStamp, fromLogLevel, HOST_SOURCE, type LogEntry, type Timezone } from "../logs/LogEntry.js"

const text = (message: unknown): string => {
  const parts = Array.isArray(message) ? message : [message]
  return parts.map((part) => (typeof part === "string" ? part : JSON.stringify(part))).join(" ")
}

/** The entry an Effect log call makes: `module`, `pid` and `stream` annotations name a child's output, `at` (epoch ms) when it was read. */
export const toEntry = (options: Logger.Logger.Options<unknown>, timezone: Timezone): LogEntry => {
  const annotation = (key: string) => HashMap.get(options.annotations, key)
  const source = Option.match(annotation("module"), { onNone: () => HOST_SOURCE, onSome: String })
  const pid = Option.filter(Option.map(annotation("pid"), Number), Number.isInteger)
  const stream = Option.filter(annotation("stream"), (value): value is "stdout" | "stderr" => value === "stdout" || value === "stderr")
  const read = Option.filter(Option.map(annotation("at"), Number), (at) => Number.isFinite(at) && at > 0)
  const failure = Cause.isEmpty(options.cause) ? "" : `\n${Cause.pretty(options.cause)}`
  return {
    at: formatStamp(Option.match(read, { onNone: () => options.date, onSome: (at) => new Date(at) }), timezone),
    level: fromLogLevel(options.logLevel),
    source,
    ...(Option.isSome(pid) ? { pid: pid.value } : {}),
    ...(Option.isSome(stream) ? { stream: stream.value } : {}),
    message: `${text(options.message)}${failure}`
  }
}

/** A line logger stamping in `timezone` (writes to stderr so stdout stays free for command output such as JSON). */
export const makeLineLogger = (timezone: Timezone): Logger.Logger<unknown, void> =>
  Logger.make((options) => {
    process.stderr.write(`${formatEntry(toEntry(options, timezone))}\n`)
  })

/** The line logger, stamping in UTC. */
export const lineLogger = makeLineLogger("utc")

/** Replaces the default logger with the line logger. */
export const layer = Logger.replace(Logger.defaultLogger, lineLogger)

/** Swaps the UTC line logger for one stamping in `timezone`, for the scope of the layer. */
export const layerTimezone = (timezone: Timezone): Layer.Layer<never> =>
  timezone === "utc" ? Layer.empty : Logger.replace(lineLogger, makeLineLogger(timezone))
