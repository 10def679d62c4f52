/**
 * One readable line per log entry: `00:25:06.642 INFO  middleware.echo| ready: pid=7706 …`.
 * Module output is tagged with the component that produced it, so an operator can grep one module.
 */
import { Cause, HashMap, Logger, Option } from "effect"

const pad = (value: number, width = 2) => String(value).padStart(width, "0")

const clock = (date: Date) =>
  `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`

const text = (message: unknown): string => {
  const parts = Array.isArray(message) ? message : [message]
  return parts.map((part) => (typeof part === "string" ? part : JSON.stringify(part))).join(" ")
}

/** The line logger (writes to stderr so stdout stays free for command output such as JSON). */
export const lineLogger = Logger.make(({ annotations, cause, date, logLevel, message }) => {
  const module = HashMap.get(annotations, "module")
  const stream = HashMap.get(annotations, "stream")
  const tag = Option.match(module, {
    onNone: () => "",
    onSome: (name) => `${String(name)}${Option.match(stream, { onNone: () => "", onSome: (s) => s === "stderr" ? "!" : "" })}| `
  })
  const failure = Cause.isEmpty(cause) ? "" : `\n${Cause.pretty(cause)}`
  process.stderr.write(`${clock(date)} ${logLevel.label.padEnd(5)} ${tag}${text(message)}${failure}\n`)
})

/** Replaces the default logger with the line logger. */
export const layer = Logger.replace(Logger.defaultLogger, lineLogger)
