/**
 * `orbiplex logs` with no node answering: it says so, reads the files of the config's data folder,
 * and applies the ids, -n, --since and --json; a bad --since is refused with what to write. With a
 * node answering, it reads the node's recent entries and follows new ones.
 */
import { HttpApiBuilder, HttpServer } from "@effect/platform"
import { NodeContext, NodeHttpServer } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Console, Effect, Fiber, Layer, Option, Queue } from "effect"
import * as Http from "node:http"
import * as Path from "node:path"
import { LogsApi } from "../../src/logs/LogsApi.js"
import { layerLogsApi } from "../../src/logs/LogsApiHandlers.js"
import * as NodeLogs from "../../src/logs/NodeLogs.js"
import { type LogsArgs, logsHandler } from "../../src/cli/LogsHandlers.js"
import { formatEntry, type LogEntry } from "../../src/logs/LogEntry.js"
import { tempDir, writeFile } from "../support/TempFiles.js"

/** Runs `effect` with Console.log and Console.error captured. */
const capturing = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const out: Array<string> = []
    const err: Array<string> = []
    const exit = yield* Console.consoleWith((console) =>
      Effect.withConsole(Effect.exit(effect), {
        ...console,
        log: (...args: ReadonlyArray<unknown>) => Effect.sync(() => void out.push(args.map(String).join(" "))),
        error: (...args: ReadonlyArray<unknown>) => Effect.sync(() => void err.push(args.map(String).join(" ")))
      })
    )
    return { exit, out, err }
  })

const at = (secondsAgo: number) => new Date(Date.now() - secondsAgo * 1_000).toISOString()

const old: LogEntry = { at: at(3_600), level: "INFO", source: "middleware.dator", pid: 7, message: "an hour ago" }
const crash: LogEntry = { at: at(120), level: "WARN", source: "host", message: "middleware.dator crash: exit 1" }
const failed: LogEntry = { at: at(60), level: "ERROR", source: "middleware.dator", pid: 8, message: "failed\nTraceback (most recent call last):\nValueError: v" }
const arca: LogEntry = { at: at(30), level: "INFO", source: "middleware.arca", pid: 9, message: "arca line" }
const entries: ReadonlyArray<LogEntry> = [old, crash, failed, arca]

/** A config whose data folder holds the entries above, and the args of `orbiplex logs` against it. */
const setup = Effect.gen(function*() {
  const dir = yield* tempDir
  const config = writeFile(dir, "node.json", { node: { data_dir: "./data" } })
  for (const source of ["middleware.dator", "host", "middleware.arca"]) {
    const text = entries.filter((e) => e.source === source).map((e) => `${formatEntry(e)}\n`).join("")
    writeFile(dir, `data/logs/${source}.log`, text)
  }
  const args = (overrides: Partial<LogsArgs>): LogsArgs => ({
    ids: [],
    follow: false,
    lines: 50,
    since: Option.none(),
    json: false,
    // Nothing listens on port 1 of loopback: the command falls back to the files.
    operator: Option.some("127.0.0.1:1"),
    config: Option.some(config),
    dir: Option.none(),
    ...overrides
  })
  return { args, dir }
})

const run = (args: LogsArgs) => capturing(logsHandler(args)).pipe(Effect.provide(NodeContext.layer))

describe("orbiplex logs from the files", () => {
  it.scopedLive("says no node answers, then prints the entries of every member in time order", () =>
    Effect.gen(function*() {
      const { args, dir } = yield* setup
      const { exit, out, err } = yield* run(args({}))
      expect(exit._tag).toBe("Success")
      expect(err[0]).toContain("no node answers at 127.0.0.1:1")
      expect(err[0]).toContain(`reading the files in ${dir}/data/logs`)
      expect(out).toEqual(entries.map(formatEntry))
    }))

  it.scopedLive("takes ids, -n, --since and --json", () =>
    Effect.gen(function*() {
      const { args } = yield* setup
      const dator = yield* run(args({ ids: ["dator"] }))
      expect(dator.out).toEqual([formatEntry(old), formatEntry(failed)])
      const last = yield* run(args({ lines: 1 }))
      expect(last.out).toEqual([formatEntry(arca)])
      const recent = yield* run(args({ since: Option.some("10m"), ids: ["dator", "host"], json: true }))
      expect(recent.out.map((line) => JSON.parse(line))).toEqual([crash, failed])
    }))

  it.scopedLive("refuses a --since it cannot read, saying what to write", () =>
    Effect.gen(function*() {
      const { args } = yield* setup
      const { exit } = yield* run(args({ since: Option.some("a while") }))
      expect(exit._tag).toBe("Failure")
      expect(String(exit._tag === "Failure" ? exit.cause : "")).toContain("neither an age")
    }))
})

/** A node's logs API on a loopback port, over logs kept in `dir`. */
const servedLogs = (dir: string) =>
  HttpApiBuilder.serve().pipe(
    Layer.provide(HttpApiBuilder.api(LogsApi).pipe(Layer.provide(layerLogsApi))),
    Layer.provideMerge(NodeHttpServer.layer(Http.createServer, { host: "127.0.0.1", port: 0 })),
    Layer.provideMerge(NodeLogs.layer({ dir, rotation: { maxBytes: 65_536, files: 2 }, recent: 100, timezone: "utc" }))
  )

describe("orbiplex logs from a running node", () => {
  it.scopedLive("reads the node's recent entries, then follows new ones, saying where they come from", () =>
    Effect.gen(function*() {
      const { args, dir } = yield* setup
      yield* Effect.gen(function*() {
        const operator = yield* HttpServer.addressFormattedWith((url) => Effect.succeed(url.replace("http://", "")))
        const logs = yield* NodeLogs.NodeLogs
        yield* logs.record(failed)
        yield* logs.record(arca)
        const recent = yield* run(args({ operator: Option.some(operator), ids: ["dator"] }))
        expect(recent.err).toEqual([`-- from the node at http://${operator}`])
        expect(recent.out).toEqual([formatEntry(failed)])

        const printed = yield* Queue.unbounded<string>()
        const follower = yield* Console.consoleWith((console) =>
          Effect.withConsole(logsHandler(args({ operator: Option.some(operator), follow: true, json: true, ids: ["arca"] })), {
            ...console,
            log: (...parts: ReadonlyArray<unknown>) => Queue.offer(printed, parts.map(String).join(" ")),
            error: () => Effect.void
          })
        ).pipe(Effect.provide(NodeContext.layer), Effect.fork)
        expect(JSON.parse(yield* Queue.take(printed))).toEqual(arca)
        const later: LogEntry = { ...arca, at: new Date().toISOString(), message: "later" }
        yield* logs.record(later)
        expect(JSON.parse(yield* Queue.take(printed))).toEqual(later)
        yield* Fiber.interrupt(follower)
      }).pipe(Effect.provide(servedLogs(Path.join(dir, "served"))))
    }))
})
