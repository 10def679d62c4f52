/**
 * Reading the log files a node wrote (when no node answers): every `<source>.log` and its rotated
 * `<source>.log.<n>` under the logs folder, oldest file first, parsed back into entries.
 */
import { Effect, Option, Schedule, Schema, Stream } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { type LogEntry, parseEntries } from "./LogEntry.js"
import { applyQuery, type LogQuery, sourceMatches } from "./LogQuery.js"

/** The logs folder could not be read. */
export class LogsUnreadable extends Schema.TaggedError<LogsUnreadable>()("LogsUnreadable", {
  dir: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `cannot read the node's log files in ${this.dir} (${this.detail}); check node.data_dir in the config ` +
      `(pass it with --config), or start the node with its operator API and read them from it`
  }
}

const fileName = /^(.+)\.log(?:\.(\d+))?$/

/** The sources with files in `dir`, each with its files oldest first. */
export const listLogFiles = (dir: string): Effect.Effect<ReadonlyMap<string, ReadonlyArray<string>>, LogsUnreadable> =>
  Effect.try({
    try: () => {
      const bySource = new Map<string, Array<{ readonly file: string; readonly age: number }>>()
      for (const name of Fs.readdirSync(dir)) {
        const match = fileName.exec(name)
        if (match?.[1] === undefined) continue
        const files = bySource.get(match[1]) ?? []
        files.push({ file: Path.join(dir, name), age: match[2] === undefined ? 0 : Number(match[2]) })
        bySource.set(match[1], files)
      }
      return new Map(Array.from(bySource, ([source, files]) => [source, files.sort((a, b) => b.age - a.age).map((f) => f.file)]))
    },
    catch: (error) => new LogsUnreadable({ dir, detail: error instanceof Error ? error.message : String(error) })
  })

/** The entries of the files in `dir` passing `query`, ordered by time. */
export const readLogFiles = (dir: string, query: LogQuery): Effect.Effect<ReadonlyArray<LogEntry>, LogsUnreadable> =>
  Effect.flatMap(listLogFiles(dir), (sources) =>
    Effect.try({
      try: () =>
        applyQuery(
          Array.from(sources).flatMap(([source, files]) =>
            sourceMatches(source, query.sources)
              ? files.flatMap((file) => parseEntries(Fs.readFileSync(file, "utf8"), source))
              : []
          ),
          query
        ),
      catch: (error) => new LogsUnreadable({ dir, detail: error instanceof Error ? error.message : String(error) })
    }))

/** How often `followLogFiles` looks for new lines. */
export const FOLLOW_POLL = Schedule.spaced("250 millis")

/**
 * Entries appended to the current files in `dir` from now on (polled by `poll`); a file that shrank
 * was rotated, and is read again from its start. Entries are whole once their file has a later line.
 */
export const followLogFiles = (
  dir: string,
  query: LogQuery,
  poll: Schedule.Schedule<unknown> = FOLLOW_POLL
): Effect.Effect<Stream.Stream<LogEntry, LogsUnreadable>, LogsUnreadable> =>
  Effect.map(listLogFiles(dir), (initial) => {
    const offsets = new Map<string, number>()
    const sizeOf = (file: string) => (Fs.existsSync(file) ? Fs.statSync(file).size : 0)
    for (const source of initial.keys()) offsets.set(source, sizeOf(Path.join(dir, `${source}.log`)))
    const readNew = Effect.flatMap(listLogFiles(dir), (sources) =>
      Effect.try({
        try: () =>
          Array.from(sources.keys()).filter((source) => sourceMatches(source, query.sources)).flatMap((source) => {
            const file = Path.join(dir, `${source}.log`)
            const size = sizeOf(file)
            const from = Option.getOrElse(Option.fromNullable(offsets.get(source)), () => 0)
            const start = size < from ? 0 : from
            if (size === start) return []
            const text = Fs.readFileSync(file).subarray(start, size).toString("utf8")
            // Only whole lines: a line still being written is read on the next poll.
            const end = text.lastIndexOf("\n") + 1
            offsets.set(source, start + Buffer.byteLength(text.slice(0, end)))
            return parseEntries(text.slice(0, end), source).filter((entry) => query.sinceMillis === undefined || Date.parse(entry.at) >= query.sinceMillis)
          }),
        catch: (error) => new LogsUnreadable({ dir, detail: error instanceof Error ? error.message : String(error) })
      }))
    return Stream.repeatEffectWithSchedule(readNew, poll).pipe(Stream.flattenIterables)
  })
