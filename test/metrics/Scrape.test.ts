/**
 * `GET /metrics` on a real node's operator API: refused without the token; with it, Prometheus text
 * that parses, with the members' state, up and restarts, and the latency histogram of an invocation.
 */
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Layer, Redacted } from "effect"
import * as TraceStore from "../../src/middleware/TraceStore.js"
import * as OperatorApi from "../../src/operator/OperatorApi.js"
import * as OperatorToken from "../../src/operator/OperatorToken.js"
import { LifecycleLog } from "../../src/supervisor/LifecycleLog.js"
import { Supervisor } from "../../src/supervisor/Supervisor.js"
import { fixtureEntry } from "../support/Fixture.js"
import { envelope, quiet, startNode } from "../support/Node.js"
import { expectNoLeftoverProcesses } from "../support/Processes.js"
import { tempDir } from "../support/TempFiles.js"
import { parseExposition } from "./Exposition.js"

expectNoLeftoverProcesses()

const get = (url: string, token?: string) =>
  Effect.promise(async () => {
    const response = await fetch(url, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } })
    return { status: response.status, type: response.headers.get("content-type") ?? "", text: await response.text() }
  })

describe("GET /metrics", () => {
  it.scopedLive("serves Prometheus text about the members and their invocations, behind the token", () =>
    Effect.gen(function*() {
      const node = yield* startNode([fixtureEntry("scraped", "ok"), fixtureEntry("idle", "ok")])
      const dir = yield* tempDir
      const context = yield* Layer.build(
        OperatorApi.layer({ listen: { host: "127.0.0.1", port: 0 } }).pipe(
          Layer.provide(Layer.succeed(Supervisor, node.supervisor)),
          Layer.provide(Layer.succeed(LifecycleLog, node.log)),
          Layer.provide(TraceStore.layer),
          Layer.provide(OperatorToken.layer(`${dir}/data`))
        )
      )
      const server = Context.get(context, OperatorApi.OperatorServer)
      const token = Redacted.value((yield* OperatorToken.read(`${dir}/data`)).value)
      yield* node.client.invoke("scraped", envelope({ n: 1 }))
      yield* node.supervisor.stop("idle")

      expect((yield* get(`${server.url}/metrics`)).status).toBe(401)
      const scrape = yield* get(`${server.url}/metrics`, token)
      expect(scrape.status).toBe(200)
      expect(scrape.type).toContain("text/plain")
      const parsed = parseExposition(scrape.text)
      expect(parsed.types.get("orbiplex_member_state")).toBe("gauge")
      expect(parsed.types.get("orbiplex_member_restarts_total")).toBe("counter")
      expect(parsed.types.get("orbiplex_module_invoke_duration_seconds")).toBe("histogram")
      const sample = (name: string, labels: Record<string, string>) =>
        parsed.samples.find((s) => s.name === name && Object.entries(labels).every(([key, value]) => s.labels[key] === value))
      expect(sample("orbiplex_member_state", { member: "scraped", state: "ready" })?.value).toBe(1)
      expect(sample("orbiplex_member_state", { member: "idle", state: "stopped" })?.value).toBe(1)
      expect(sample("orbiplex_member_up", { member: "idle" })?.value).toBe(0)
      expect(sample("orbiplex_member_restarts_total", { member: "scraped", kind: "module" })?.value).toBe(0)
      expect(sample("orbiplex_member_resident_memory_bytes", { member: "scraped" })?.value).toBeGreaterThan(0)
      expect(sample("orbiplex_module_invoke_duration_seconds_count", { module: "scraped", hook: "service.execute" })?.value)
        .toBeGreaterThanOrEqual(1)
      expect(sample("orbiplex_module_invoke_duration_seconds_bucket", { module: "scraped", le: "+Inf" })?.value).toBeGreaterThanOrEqual(1)
      expect(sample("orbiplex_module_invocations_total", { module: "scraped", outcome: "ok" })?.value).toBeGreaterThanOrEqual(1)
      // Every family has its HELP line.
      for (const name of parsed.types.keys()) expect(parsed.helps.has(name)).toBe(true)
    }).pipe(Effect.provide(NodeContext.layer), quiet), 30_000)
})
