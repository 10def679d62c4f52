/**
 * Reading the log files a node wrote (when no node answers): every `<source>.log` and its rotated
 * `<source>.log.<n>` under the logs folder, oldest file first, parsed back into entries.
 */
import { FileSystem } from "@effect/platform"
import type { PlatformError } from "@effect/platform/Error"
import { Effect, Option, Schedule, Schema, Stream } from "effect"
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

const unreadable = (dir: string) => (error: PlatformError) => new LogsUnreadable({ dir, detail: error.message })

/** The sources with files in `dir`, each with its files oldest first. */
export const listLogFiles = (dir: string): Effect.Effect<ReadonlyMap<string, ReadonlyArray<string>>, LogsUnreadable, FileSystem.FileSystem> =>
  Effect.flatMap(FileSystem.FileSystem, (fs) => fs.readDirectory(dir)).pipe(
    Effect.mapError(unreadable(dir)),
    Effect.map((names) => {
      const bySource = new Map<string, Array<{ readonly file: string; readonly age: number }>>()
      for (const name of names) {
        const match = fileName.exec(name)
        if (match?.[1] === undefined) continue
        const files = bySource.get(match[1]) ?? []
        files.push({ file: Path.join(dir, name), age: match[2] === undefined ? 0 : Number(match[2]) })
        bySource.set(match[1], files)
      }
      return new Map(Array.from(bySource, ([source, files]) => [source, files.sort((a, b) => b.age - a.age).map((f) => f.file)]))
    })
  )

/** The entries of the files in `dir` passing `query`, ordered by time. */
export const readLogFiles = (dir: string, query: LogQuery): Effect.Effect<ReadonlyArray<LogEntry>, LogsUnreadable, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const sources = yield* listLogFiles(dir)
    const entries = yield* Effect.forEach(
      Array.from(sources).filter(([source]) => sourceMatches(source, query.sources)),
      ([source, files]) =>
        Effect.forEach(files, (file) => Effect.map(fs.readFileString(file), (text) => parseEntries(text, source))).pipe(
          Effect.map((lists) => lists.flat())
        )
    ).pipe(Effect.mapError(unreadable(dir)))
    return applyQuery(entries.flat(), query)
  })

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
): Effect.Effect<Stream.Stream<LogEntry, LogsUnreadable>, LogsUnreadable, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const initial = yield* listLogFiles(dir)
    const offsets = new Map<string, number>()
    const sizeOf = (file: string) => Effect.map(fs.stat(file), (info) => Number(info.size)).pipe(Effect.orElseSucceed(() => 0))
    for (const source of initial.keys()) offsets.set(source, yield* sizeOf(Path.join(dir, `${source}.log`)))
    const readSource = (source: string) =>
      Effect.gen(function*() {
        const file = Path.join(dir, `${source}.log`)
        const size = yield* sizeOf(file)
        const from = Option.getOrElse(Option.fromNullable(offsets.get(source)), () => 0)
        const start = size < from ? 0 : from
        if (size === start) return []
        const text = Buffer.from(yield* fs.readFile(file)).subarray(start, size).toString("utf8")
        // Only whole lines: a line still being written is read on the next poll.
        const end = text.lastIndexOf("\n") + 1
        offsets.set(source, start + Buffer.byteLength(text.slice(0, end)))
        return parseEntries(text.slice(0, end), source).filter((entry) => query.sinceMillis === undefined || Date.parse(entry.at) >= query.sinceMillis)
      })
    const readNew = Effect.flatMap(listLogFiles(dir), (sources) =>
      Effect.forEach(Array.from(sources.keys()).filter((source) => sourceMatches(source, query.sources)), readSource).pipe(
        Effect.map((lists) => lists.flat()),
        Effect.mapError(unreadable(dir))
      )).pipe(Effect.provideService(FileSystem.FileSystem, fs))
    return Stream.repeatEffectWithSchedule(readNew, poll).pipe(Stream.flattenIterables)
  })
