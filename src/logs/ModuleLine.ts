/**
 * Reading a child's output lines into entries: the level a line carries (the SDK's format, or
 * Python `logging`'s default), and continuation lines (a tab or space indent, a Python traceback)
 * joined to the line that started them, bounded, so one traceback is one entry.
 */
import type { Level } from "./LogEntry.js"

/** What a child's entry carries besides its source: its level and its (possibly multi-line) text. */
export interface ModuleEntry {
  readonly level: Level
  readonly message: string
  /** When its first line was read (epoch milliseconds), not when the entry was found complete. */
  readonly at: number
}

/** Lines one entry keeps at most; the rest is left out but the last line (a traceback's exception). */
export const MAX_ENTRY_LINES = 100

const levels: Record<string, Level> = {
  TRACE: "TRACE",
  DEBUG: "DEBUG",
  INFO: "INFO",
  WARN: "WARN",
  WARNING: "WARN",
  ERROR: "ERROR",
  CRITICAL: "FATAL",
  FATAL: "FATAL"
}

// The SDK's line: `2026-12-07T05:00:00.123Z INFO orbiplex-dator[123] message` (its stamp is dropped:
// the host stamps every line once, when it reads it).
const sdkLine = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d) ([A-Z]+) \S+?\[\d+\] ?(.*)$/
// Python `logging.basicConfig()`'s default: `WARNING:root:message`.
const loggingLine = /^(DEBUG|INFO|WARNING|ERROR|CRITICAL):[^:]*:(.*)$/
const TRACEBACK = "Traceback (most recent call last):"
const chainMarkers = [
  "During handling of the above exception, another exception occurred:",
  "The above exception was the direct cause of the following exception:"
]

/** The level and text of one line that starts an entry; a line with no level is INFO, a traceback ERROR. */
export const parseModuleLine = (line: string): Omit<ModuleEntry, "at"> => {
  const sdk = sdkLine.exec(line)
  const sdkLevel = sdk === null ? undefined : levels[sdk[1] ?? ""]
  if (sdk !== null && sdkLevel !== undefined) return { level: sdkLevel, message: sdk[2] ?? "" }
  const logging = loggingLine.exec(line)
  const loggingLevel = logging === null ? undefined : levels[logging[1] ?? ""]
  if (logging !== null && loggingLevel !== undefined) return { level: loggingLevel, message: logging[2] ?? "" }
  return { level: line === TRACEBACK ? "ERROR" : "INFO", message: line }
}

interface Pending {
  readonly at: number
  readonly level: Level
  readonly lines: ReadonlyArray<string>
  readonly left: number
  readonly last: string | undefined
  /** "open" inside a traceback, "closed" after its exception line (a chained one may follow). */
  readonly traceback: "none" | "open" | "closed"
  readonly idle: number
}

/** The assembler's state between lines. */
export interface Assembly {
  readonly pending: Pending | undefined
}

/** No entry in progress. */
export const emptyAssembly: Assembly = { pending: undefined }

const isIndented = (line: string) => line.startsWith("\t") || line.startsWith(" ")

const continues = (pending: Pending, line: string): boolean => {
  if (isIndented(line)) return true
  if (pending.traceback === "open") return true
  if (pending.traceback === "closed") return line === "" || line === TRACEBACK || chainMarkers.includes(line)
  return false
}

const nextTraceback = (pending: Pending, line: string): Pending["traceback"] => {
  if (line === TRACEBACK) return "open"
  if (pending.traceback === "open" && line !== "" && !isIndented(line) && !chainMarkers.includes(line)) return "closed"
  return pending.traceback
}

const append = (pending: Pending, line: string): Pending => {
  // The SDK marks its own continuation lines with one tab; other indentation is content.
  const text = line.startsWith("\t") ? line.slice(1) : line
  const traceback = nextTraceback(pending, line)
  return pending.lines.length < MAX_ENTRY_LINES - 1
    ? { ...pending, lines: [...pending.lines, text], traceback, idle: 0 }
    : { ...pending, left: pending.left + (pending.last === undefined ? 0 : 1), last: text, traceback, idle: 0 }
}

const finish = (pending: Pending): ModuleEntry => {
  const tail = pending.last === undefined
    ? []
    : pending.left > 0
    ? [`… (${pending.left} line(s) left out)`, pending.last]
    : [pending.last]
  return { level: pending.level, message: [...pending.lines, ...tail].join("\n"), at: pending.at }
}

const start = (line: string, at: number): Pending => {
  const parsed = parseModuleLine(line)
  return {
    at,
    level: parsed.level,
    lines: [parsed.message],
    left: 0,
    last: undefined,
    traceback: line === TRACEBACK ? "open" : "none",
    idle: 0
  }
}

/** Takes one line read at `at`: it joins the entry in progress, or finishes it (returned) and starts the next. */
export const step = (state: Assembly, line: string, at = 0): readonly [ReadonlyArray<ModuleEntry>, Assembly] => {
  const pending = state.pending
  if (pending !== undefined && continues(pending, line)) return [[], { pending: append(pending, line) }]
  return [pending === undefined ? [] : [finish(pending)], { pending: start(line, at) }]
}

/** Finishes the entry in progress (the stream ended). */
export const flush = (state: Assembly): readonly [ReadonlyArray<ModuleEntry>, Assembly] =>
  [state.pending === undefined ? [] : [finish(state.pending)], emptyAssembly]

/** A tick of the idle clock: an entry that saw no new line for a whole tick is finished. */
export const tick = (state: Assembly): readonly [ReadonlyArray<ModuleEntry>, Assembly] => {
  const pending = state.pending
  if (pending === undefined) return [[], state]
  return pending.idle >= 1 ? flush(state) : [[], { pending: { ...pending, idle: pending.idle + 1 } }]
}
