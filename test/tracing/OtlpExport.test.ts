/**
 * `orbiplex start` with a `tracing` section posts its spans over OTLP/HTTP: a loopback collector
 * of the test's own receives them, named by the configured service, by the time the node has
 * stopped (its spans are flushed at shutdown).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Http from "node:http"
import { requireBuild } from "../support/Cli.js"
import { fixtureEntryJson } from "../support/Fixture.js"
import { awaitLine, startHost } from "../support/Host.js"
import { expectNoLeftoverProcesses } from "../support/Processes.js"
import { tempDir, writeFile } from "../support/TempFiles.js"

requireBuild()
expectNoLeftoverProcesses()

interface Received {
  readonly path: string
  readonly contentType: string
  readonly body: string
}

// A collector on a free loopback port, closed with the scope; it records each request it gets.
const collector = Effect.acquireRelease(
  Effect.async<{ readonly server: Http.Server; readonly port: number; readonly received: Array<Received> }>((resume) => {
    const received: Array<Received> = []
    const server = Http.createServer((request, response) => {
      let body = ""
      request.setEncoding("utf8").on("data", (chunk: string) => (body += chunk)).on("end", () => {
        received.push({ path: request.url ?? "", contentType: request.headers["content-type"] ?? "", body })
        response.writeHead(200, { "content-type": "application/json" }).end("{}")
      })
    })
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      resume(Effect.succeed({ server, port: typeof address === "object" && address !== null ? address.port : 0, received }))
    })
  }),
  ({ server }) => Effect.async<void>((resume) => {
    server.closeAllConnections()
    server.close(() => resume(Effect.void))
  })
)

describe("tracing over OTLP/HTTP", () => {
  it.scopedLive("a node with tracing.otlp_endpoint posts its spans to the collector", () =>
    Effect.gen(function*() {
      const otlp = yield* collector
      const dir = yield* tempDir
      const config = writeFile(dir, "node.json", {
        node: { data_dir: "./data" },
        tracing: { otlp_endpoint: `http://127.0.0.1:${otlp.port}/v1/traces`, service_name: "traced-node" },
        modules: [fixtureEntryJson("worker", "ok")]
      })
      const host = yield* startHost(config)
      yield* awaitLine(host, /tracing on: spans of traced-node go to/).pipe(Effect.timeout("20 seconds"))
      yield* awaitLine(host, /1 of 1 member\(s\) serving/).pipe(Effect.timeout("20 seconds"))
      const exited = Effect.async<number | null>((resume) => {
        host.once("exit", (code) => resume(Effect.succeed(code)))
      })
      host.kill("SIGINT")
      expect(yield* exited.pipe(Effect.timeout("15 seconds"))).toBe(0)
      const posted = otlp.received.filter((request) => request.path === "/v1/traces")
      expect(posted.length).toBeGreaterThan(0)
      const all = posted.map((request) => request.body).join("\n")
      expect(all).toContain("traced-node")
      // The module's launch is one of them (its span names the spawn, readiness and init).
      expect(all).toContain("\"name\":\"ModuleLaunch.launch\"")
    }), 60_000)
})
