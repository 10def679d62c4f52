/**
 * `orbiplex status` / `orbiplex module`: the table they print, the actions through a real operator
 * API, and the failure (with the fix) when no node answers.
 */
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import { formatStatusTable, moduleHandler, statusHandler } from "../../src/cli/StatusCommand.js"
import { ModuleStatus } from "../../src/contract/ModuleStatus.js"
import * as TraceStore from "../../src/middleware/TraceStore.js"
import * as OperatorApi from "../../src/operator/OperatorApi.js"
import { makeOperatorClient } from "../../src/operator/OperatorClient.js"
import { LifecycleLog } from "../../src/supervisor/LifecycleLog.js"
import { Supervisor } from "../../src/supervisor/Supervisor.js"
import { fixtureEntry } from "../support/Fixture.js"
import { quiet, startNode } from "../support/Node.js"
import { expectNoLeftoverProcesses } from "../support/Processes.js"

expectNoLeftoverProcesses()

const status = (fields: Partial<ConstructorParameters<typeof ModuleStatus>[0]> = {}) =>
  new ModuleStatus({
    executor_id: "echo",
    module_id: "fixture-module",
    component_id: "middleware.echo",
    state: "ready",
    since: "2026-11-22T00:00:00.000Z",
    hooks: [],
    grants: [],
    restarts: 0,
    health_failures: 0,
    ...fields
  })

describe("status table", () => {
  it("prints id, state, pid, version, restarts and since in aligned columns", () => {
    const lines = formatStatusTable([
      status({ pid: 4242, module_version: "1.2.0", restarts: 1 }),
      status({ executor_id: "a-longer-id", state: "failed", last_error: "crashed at init" })
    ])
    expect(lines[0]).toMatch(/^ID\s+STATE\s+PID\s+VERSION\s+RESTARTS\s+SINCE$/)
    expect(lines[1]).toMatch(/^echo\s+ready\s+4242\s+1\.2\.0\s+1\s+2026-11-22T00:00:00\.000Z$/)
    expect(lines[2]).toMatch(/^a-longer-id\s+failed\s+-\s+-\s+0\s+/)
    expect(lines[1]?.indexOf("ready")).toBe(lines[2]?.indexOf("failed"))
    expect(lines.at(-1)).toBe("a-longer-id: crashed at init")
  })

  it("says so when there are no modules", () => {
    expect(formatStatusTable([])).toEqual(["no modules configured"])
  })
})

describe("status and module commands", () => {
  it.scopedLive("run against a node's operator API", () =>
    Effect.gen(function*() {
      const node = yield* startNode([fixtureEntry("echo", "ok")])
      const context = yield* Layer.build(
        OperatorApi.layer({ listen: { host: "127.0.0.1", port: 0 } }).pipe(
          Layer.provide(Layer.succeed(Supervisor, node.supervisor)),
          Layer.provide(Layer.succeed(LifecycleLog, node.log)),
          Layer.provide(TraceStore.layer)
        )
      )
      const server = Context.get(context, OperatorApi.OperatorServer)
      const operator = `127.0.0.1:${server.address.port}`
      yield* statusHandler({ operator })
      yield* moduleHandler({ operator, action: "stop", id: "echo" })
      expect((yield* node.supervisor.inspect("echo")).state).toBe("stopped")
      yield* moduleHandler({ operator, action: "start", id: "echo" })
      expect((yield* node.supervisor.inspect("echo")).state).toBe("ready")
      const unknown = yield* Effect.flip(moduleHandler({ operator, action: "restart", id: "nope" }))
      expect(unknown._tag).toBe("OperatorRequestFailed")
      expect(unknown.message).toContain("404")
      expect(unknown.message).toContain("echo")
      const listed = yield* Effect.flatMap(makeOperatorClient(server.url), (client) => client.list).pipe(
        Effect.provide(NodeHttpClient.layerUndici)
      )
      expect(listed.map((s) => s.state)).toEqual(["ready"])
    }).pipe(quiet), 30_000)

  it.live("fail with the fix when no node answers, or when the address is not loopback", () =>
    Effect.gen(function*() {
      // Port 1 on loopback: nothing listens there, the connection is refused.
      const unreachable = yield* Effect.flip(statusHandler({ operator: "127.0.0.1:1" }))
      expect(unreachable._tag).toBe("OperatorUnreachable")
      expect(unreachable.message).toContain("\"listen\": \"127.0.0.1:7070\"")
      expect(unreachable.message).toContain("orbiplex start")
      const remote = yield* Effect.flip(statusHandler({ operator: "10.0.0.1:7070" }))
      expect(remote._tag).toBe("OperatorAddressInvalid")
      expect(remote.message).toContain("loopback")
    }))
})
