/**
 * The files: rotation at the size cap keeping the file count, the ring bound, and reading entries
 * back (multi-line ones whole) with the --since and -n filters.
 */
import { NodeFileSystem } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, FastCheck, Queue, Schedule, Stream } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { formatEntry, formatStamp, type LogEntry, parseEntries } from "../../src/logs/LogEntry.js"
import { followLogFiles, readLogFiles } from "../../src/logs/LogFiles.js"
import { parseSince } from "../../src/logs/LogQuery.js"
import { makeRing } from "../../src/logs/Ring.js"
import { openRotating, rotatedNames } from "../../src/logs/RotatingFile.js"
import { tempDir } from "../support/TempFiles.js"

const entry = (at: string, source: string, message: string, level: LogEntry["level"] = "INFO"): LogEntry => ({
  at,
  level,
  source,
  ...(source === "host" ? {} : { pid: 42 }),
  message
})

describe("a rotating file", () => {
  it.scopedLive("rotates before passing the cap and keeps exactly `files` files, newest lines in x.log", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = Path.join(dir, "logs", "worker.log")
      const log = yield* openRotating(file, { maxBytes: 1_000, files: 3 })
      const line = (i: number) => `${String(i).padStart(4, "0")} ${"x".repeat(94)}\n` // 100 bytes
      for (let i = 0; i < 100; i++) yield* log.append([line(i)])
      const names = Fs.readdirSync(Path.dirname(file)).sort()
      expect(names).toEqual(["worker.log", "worker.log.1", "worker.log.2"])
      for (const name of rotatedNames(file, 3)) expect(Fs.statSync(name).size).toBeLessThanOrEqual(1_000)
      expect(Fs.readFileSync(file, "utf8").split("\n").at(-2)).toBe(line(99).trimEnd())
      // The files hold the last 30 lines, in order, oldest file first.
      const kept = [...rotatedNames(file, 3)].reverse().flatMap((name) => Fs.readFileSync(name, "utf8").split("\n").filter((l) => l !== ""))
      expect(kept).toEqual(Array.from({ length: 30 }, (_, i) => line(70 + i).trimEnd()))
      // Reopening continues after what is there: one more line rotates again.
      const again = yield* openRotating(file, { maxBytes: 1_000, files: 3 })
      yield* again.append([line(100)])
      expect(Fs.readFileSync(file, "utf8")).toBe(line(100))
    }).pipe(Effect.provide(NodeFileSystem.layer)))
})

describe("the ring of recent entries", () => {
  it.prop("holds the last `capacity` values, oldest first", [FastCheck.integer({ min: 1, max: 50 }), FastCheck.array(FastCheck.integer(), { maxLength: 200 })], ([capacity, values]) => {
    const ring = makeRing<number>(capacity)
    for (const value of values) ring.push(value)
    expect(ring.toArray()).toEqual(values.slice(Math.max(0, values.length - capacity)))
  })
})

describe("entries as text", () => {
  it("formats one dated stamp per line and reads multi-line entries back whole", () => {
    const entries = [
      entry("2026-12-07T05:00:00.001Z", "middleware.dator", "started"),
      entry("2026-12-07T05:00:01.000Z", "middleware.dator", "failed\nTraceback (most recent call last):\n  File \"x\"\nValueError: v", "ERROR")
    ]
    const text = entries.map((e) => `${formatEntry(e)}\n`).join("")
    expect(text.split("\n")[0]).toBe("2026-12-07T05:00:00.001Z INFO  middleware.dator[42]| started")
    expect(text.split("\n")[2]).toBe("\tTraceback (most recent call last):")
    expect(parseEntries(text, "middleware.dator")).toEqual(entries)
  })

  it("stamps in UTC by default and in local time with its offset by setting", () => {
    const date = new Date(Date.UTC(2026, 11, 7, 5, 0, 0, 123))
    expect(formatStamp(date, "utc")).toBe("2026-12-07T05:00:00.123Z")
    const local = formatStamp(date, "local")
    expect(local).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.123[+-]\d\d:\d\d$/)
    expect(Date.parse(local)).toBe(date.getTime())
  })
})

describe("reading the files", () => {
  it.scopedLive("merges the sources by time across rotated files, filters by id, --since and -n", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const write = (name: string, entries: ReadonlyArray<LogEntry>) =>
        Fs.writeFileSync(Path.join(dir, name), entries.map((e) => `${formatEntry(e)}\n`).join(""))
      write("middleware.dator.log.1", [entry("2026-12-07T05:00:00.000Z", "middleware.dator", "d0")])
      write("middleware.dator.log", [entry("2026-12-07T05:00:02.000Z", "middleware.dator", "d2\n  detail", "WARN")])
      write("host.log", [entry("2026-12-07T05:00:01.000Z", "host", "h1"), entry("2026-12-07T05:00:03.000Z", "host", "h3")])
      const messages = (entries: ReadonlyArray<LogEntry>) => entries.map((e) => e.message)

      expect(messages(yield* readLogFiles(dir, {}))).toEqual(["d0", "h1", "d2\n  detail", "h3"])
      expect(messages(yield* readLogFiles(dir, { sources: ["dator"] }))).toEqual(["d0", "d2\n  detail"])
      expect(messages(yield* readLogFiles(dir, { limit: 2 }))).toEqual(["d2\n  detail", "h3"])
      const since = parseSince("1s", Date.parse("2026-12-07T05:00:03.500Z"))
      expect(since._tag).toBe("Some")
      expect(messages(yield* readLogFiles(dir, { sinceMillis: since._tag === "Some" ? since.value : 0 }))).toEqual(["h3"])
      expect(messages(yield* readLogFiles(dir, { sinceMillis: Date.parse("2026-12-07T05:00:01Z"), sources: ["host"] }))).toEqual(["h1", "h3"])
      const [d2] = yield* readLogFiles(dir, { sources: ["middleware.dator"], limit: 1 })
      expect(d2).toEqual(entry("2026-12-07T05:00:02.000Z", "middleware.dator", "d2\n  detail", "WARN"))
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.scopedLive("a missing folder is an error that says what to check", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(readLogFiles("/nonexistent/logs", {}))
      expect(error.message).toContain("/nonexistent/logs")
      expect(error.message).toContain("node.data_dir")
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.scopedLive("following the files yields entries appended later, and those of a rotated file's successor", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = Path.join(dir, "host.log")
      const line = (message: string) => `${formatEntry(entry("2026-12-07T05:00:00.000Z", "host", message))}\n`
      Fs.writeFileSync(file, line("old"))
      const seen = yield* Queue.unbounded<string>()
      const stream = yield* followLogFiles(dir, {}, Schedule.spaced("20 millis"))
      yield* stream.pipe(Stream.runForEach((e) => Queue.offer(seen, e.message)), Effect.forkScoped)
      Fs.appendFileSync(file, line("new"))
      expect(yield* Queue.take(seen)).toBe("new")
      Fs.renameSync(file, `${file}.1`)
      Fs.writeFileSync(file, line("after"))
      expect(yield* Queue.take(seen)).toBe("after")
    }).pipe(Effect.provide(NodeFileSystem.layer)))
})
