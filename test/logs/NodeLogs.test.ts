/**
 * A real module's output through the node's logs: the SDK's lines keep their level, plain stderr
 * is INFO, a traceback is one ERROR entry, the host's own lines go to host.log, each member's to its
 * own file, recent entries stay in the ring; and the logs API answers and follows them over HTTP.
 */
import { HttpApiBuilder, HttpApiClient, HttpClient, HttpClientRequest, HttpServer } from "@effect/platform"
import { NodeHttpClient, NodeHttpServer } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Layer, Schema, Stream } from "effect"
import * as Fs from "node:fs"
import * as Http from "node:http"
import * as Path from "node:path"
import { LogEntry, parseEntries } from "../../src/logs/LogEntry.js"
import { applyQuery } from "../../src/logs/LogQuery.js"
import { LogsApi } from "../../src/logs/LogsApi.js"
import { layerLogsApi } from "../../src/logs/LogsApiHandlers.js"
import * as NodeLogs from "../../src/logs/NodeLogs.js"
import { watchChildOutput } from "../../src/supervisor/ChildOutput.js"
import { spawnChild } from "../../src/supervisor/ChildProcess.js"
import { FIXTURES_DIR, PYTHON, REPO_ROOT, RUN_MARKER } from "../support/Fixture.js"
import { expectNoLeftoverProcesses } from "../support/Processes.js"
import { tempDir } from "../support/TempFiles.js"

expectNoLeftoverProcesses()

const SDK_ROOT = Path.join(REPO_ROOT, "modules", "sdk", "python")

const PROBE = `
import sys
sys.path.insert(0, ${JSON.stringify(SDK_ROOT)})
from orbiplex_sdk._log import log, log_exception, set_name
set_name("orbiplex-probe")
print('{"event":"listening","host":"127.0.0.1","port":1}', flush=True)
log("hello")
log("careful", "warn")
try:
    raise ValueError("boom")
except ValueError:
    log_exception("it failed")
print("plain stdout", flush=True)
sys.stderr.write("plain stderr\\n")
`

const settings = (dir: string): NodeLogs.LogsSettings => ({ dir, rotation: { maxBytes: 1_048_576, files: 2 }, recent: 3, timezone: "utc" })

/** Runs the probe under `NodeLogs` and returns the entries it made, once its five are recorded. */
const runProbe = Effect.gen(function*() {
  const logs = yield* NodeLogs.NodeLogs
  const followed = yield* logs.follow({ sources: ["probe"] })
  yield* Effect.logInfo("host line before the probe")
  const child = yield* spawnChild({ executable: PYTHON, args: ["-c", PROBE, RUN_MARKER], cwd: FIXTURES_DIR, env: { PYTHONUNBUFFERED: "1" }, graceMs: 500 })
  yield* watchChildOutput(child, "middleware.probe")
  const entries = yield* Stream.runCollect(Stream.take(followed, 5))
  return { pid: child.pid, entries: Chunk.toReadonlyArray(entries) }
})

describe("the node's logs", () => {
  it.scopedLive("a real module's entries keep their levels, a traceback is one entry, files and ring hold them", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const { entries, pid, recent } = yield* Effect.scoped(Effect.gen(function*() {
        const run = yield* runProbe
        const logs = yield* NodeLogs.NodeLogs
        return { ...run, recent: yield* logs.recent({ sources: ["probe"] }) }
      })).pipe(Effect.provide(NodeLogs.layer(settings(dir))))

      const summary = entries.map((e) => [e.level, e.stream, e.message.split("\n")[0]])
      expect(summary).toContainEqual(["INFO", "stderr", "hello"])
      expect(summary).toContainEqual(["WARN", "stderr", "careful"])
      expect(summary).toContainEqual(["ERROR", "stderr", "it failed"])
      expect(summary).toContainEqual(["INFO", "stderr", "plain stderr"])
      expect(summary).toContainEqual(["INFO", "stdout", "plain stdout"])
      const failed = entries.find((e) => e.level === "ERROR")
      expect(failed?.message.split("\n")).toEqual(expect.arrayContaining(["Traceback (most recent call last):", "ValueError: boom"]))
      expect(entries.every((e) => e.pid === pid && e.source === "middleware.probe" && /^\d{4}-\d\d-\d\dT.*Z$/.test(e.at))).toBe(true)
      // The ring keeps the last three (its bound in these settings), answered in time order.
      expect(recent).toEqual(applyQuery(entries.slice(-3), {}))

      // Closing the layer wrote out everything: the member's file and the host's.
      const member = parseEntries(Fs.readFileSync(Path.join(dir, "middleware.probe.log"), "utf8"), "middleware.probe")
      expect(member.map((e) => [e.level, e.message])).toEqual(entries.map((e) => [e.level, e.message]))
      const host = Fs.readFileSync(Path.join(dir, "host.log"), "utf8")
      expect(host).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO  host line before the probe$/m)
      expect(host).not.toContain("hello")
    }))

  it.scopedLive("the logs API answers the recent entries and follows new ones as NDJSON", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const server = HttpApiBuilder.serve().pipe(
        Layer.provide(HttpApiBuilder.api(LogsApi).pipe(Layer.provide(layerLogsApi))),
        Layer.provideMerge(NodeHttpServer.layer(Http.createServer, { host: "127.0.0.1", port: 0 }))
      )
      yield* Effect.gen(function*() {
        const address = yield* HttpServer.addressFormattedWith(Effect.succeed)
        const logs = yield* NodeLogs.NodeLogs
        yield* logs.record({ at: new Date().toISOString(), level: "WARN", source: "middleware.a", message: "first" })
        yield* logs.record({ at: new Date().toISOString(), level: "INFO", source: "middleware.b", message: "other" })
        const client = yield* HttpApiClient.make(LogsApi, { baseUrl: address })
        const answer = yield* client.logs.recent({ urlParams: { source: "a" } })
        expect(answer.entries.map((e) => e.message)).toEqual(["first"])
        const bad = yield* Effect.flip(client.logs.recent({ urlParams: { since: "yesterday-ish" } }))
        expect(bad._tag).toBe("LogsQueryInvalid")

        const http = yield* HttpClient.HttpClient
        const response = yield* http.execute(HttpClientRequest.get(`${address}/v1/logs/follow?source=a`))
        const lines = yield* response.stream.pipe(Stream.decodeText(), Stream.splitLines, Stream.take(2), Stream.runCollect, Effect.fork)
        yield* logs.record({ at: new Date().toISOString(), level: "ERROR", source: "middleware.a", message: "second" })
        const decoded = Chunk.toReadonlyArray(yield* lines).map((line) => Schema.decodeUnknownSync(Schema.parseJson(LogEntry))(line))
        expect(decoded.map((e) => [e.level, e.message])).toEqual([["WARN", "first"], ["ERROR", "second"]])
      }).pipe(Effect.provide(server), Effect.provide(NodeHttpClient.layerUndici), Effect.provide(NodeLogs.layer(settings(dir))))
    }))
})
