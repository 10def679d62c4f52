/**
 * `orbiplex status` / `orbiplex module`: the table they print, the actions through a real operator
 * API, and the failure (with the fix) when no node answers.
 */
import { NodeContext, NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Context, Deferred, Effect, Exit, Fiber, Layer, Redacted, TestClock } from "effect"
import * as Fs from "node:fs"
import * as Net from "node:net"
import { formatStatusTable, moduleHandler, statusExitCode, statusHandler } from "../../src/cli/StatusHandlers.js"
import { LastExit, ModuleStatus } from "../../src/contract/ModuleStatus.js"
import * as TraceStore from "../../src/middleware/TraceStore.js"
import * as OperatorApi from "../../src/operator/OperatorApi.js"
import { makeOperatorClient } from "../../src/operator/OperatorClient.js"
import * as OperatorToken from "../../src/operator/OperatorToken.js"
import { LifecycleLog } from "../../src/supervisor/LifecycleLog.js"
import { Supervisor } from "../../src/supervisor/Supervisor.js"
import { fixtureEntry } from "../support/Fixture.js"
import { quiet, startNode } from "../support/Node.js"
import { expectNoLeftoverProcesses } from "../support/Processes.js"
import { tempDir, writeFile } from "../support/TempFiles.js"

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
  it("prints id, kind, state, pid, port, uptime, restarts, last exit, CPU and RSS in aligned columns", () => {
    const lines = formatStatusTable([
      status({ pid: 4242, port: 40001, uptime_ms: 125_000, restarts: 1, cpu_percent: 1.25, rss_bytes: 12 * 1024 * 1024 }),
      status({
        executor_id: "a-longer-id",
        state: "failed",
        last_error: "crashed at init",
        last_exit: new LastExit({ code: 3, at: "2026-11-22T00:00:01.000Z" })
      })
    ])
    expect(lines[0]).toMatch(/^ID\s+KIND\s+STATE\s+PID\s+PORT\s+UPTIME\s+RESTARTS\s+LAST EXIT\s+CPU%\s+RSS$/)
    expect(lines[1]).toMatch(/^echo\s+module\s+ready\s+4242\s+40001\s+2m5s\s+1\s+-\s+1\.3\s+12\.0M$/)
    expect(lines[2]).toMatch(/^a-longer-id\s+module\s+failed\s+-\s+-\s+-\s+0\s+code 3 at 2026-11-22T00:00:01\.000Z\s+-\s+-$/)
    expect(lines[1]?.indexOf("ready")).toBe(lines[2]?.indexOf("failed"))
    expect(lines.at(-1)).toBe("a-longer-id: crashed at init")
  })

  it("says so when there are no modules", () => {
    expect(formatStatusTable([])).toEqual(["no modules configured"])
  })

  it("exits 0 when every member is ready, degraded or starting, and 3 when one is failed, stopped or stopping", () => {
    expect(statusExitCode([status(), status({ state: "degraded" }), status({ state: "starting" })])).toBe(0)
    for (const state of ["failed", "stopped", "stopping"] as const) {
      expect(statusExitCode([status(), status({ state })])).toBe(3)
    }
  })
})

describe("status and module commands", () => {
  it.scopedLive("run against a node's operator API, with the token the node wrote in its data_dir", () =>
    Effect.gen(function*() {
      const node = yield* startNode([fixtureEntry("echo", "ok")])
      const dir = yield* tempDir
      // The node makes the token at its first start; the CLI finds it through the config's data_dir.
      const context = yield* Layer.build(
        OperatorApi.layer({ listen: { host: "127.0.0.1", port: 0 } }).pipe(
          Layer.provide(Layer.succeed(Supervisor, node.supervisor)),
          Layer.provide(Layer.succeed(LifecycleLog, node.log)),
          Layer.provide(TraceStore.layer),
          Layer.provide(OperatorToken.layer(`${dir}/data`))
        )
      )
      expect(Fs.statSync(`${dir}/data/operator-token`).mode & 0o777).toBe(0o600)
      const server = Context.get(context, OperatorApi.OperatorServer)
      const operator = `127.0.0.1:${server.address.port}`
      const config = writeFile(dir, "node.json", { node: { data_dir: "./data" } })
      yield* statusHandler({ operator, config })
      yield* moduleHandler({ operator, config, action: "stop", id: "echo" })
      expect((yield* node.supervisor.inspect("echo")).state).toBe("stopped")
      yield* moduleHandler({ operator, config, action: "start", id: "echo" })
      expect((yield* node.supervisor.inspect("echo")).state).toBe("ready")
      const unknown = yield* Effect.flip(moduleHandler({ operator, config, action: "restart", id: "nope" }))
      expect(unknown._tag).toBe("OperatorRequestFailed")
      expect(unknown.message).toContain("404")
      expect(unknown.message).toContain("echo")

      // A wrong token (the environment overrides the file) is refused with the way to the right one.
      const refused = yield* Effect.flip(statusHandler({ operator, config })).pipe(
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map([[OperatorToken.TOKEN_ENV, "not-the-token"]])))
      )
      expect(refused.message).toContain("401")
      expect(refused.message).toContain("operator-token")
      // The right one through the environment, with no config at all.
      const token = Redacted.value((yield* OperatorToken.read(`${dir}/data`)).value)
      yield* statusHandler({ operator, config: `${dir}/absent.json` }).pipe(
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map([[OperatorToken.TOKEN_ENV, token]])))
      )
      // Without a token the CLI says where it looked.
      const noToken = yield* Effect.flip(statusHandler({ operator, config: `${dir}/absent.json` }))
      expect(noToken._tag).toBe("OperatorTokenUnavailable")
      expect(noToken.message).toContain(OperatorToken.TOKEN_ENV)

      const listed = yield* Effect.flatMap(makeOperatorClient(server.url, Redacted.make(token)), (client) => client.list).pipe(
        Effect.provide(NodeHttpClient.layerUndici)
      )
      expect(listed.map((s) => s.state)).toEqual(["ready"])
    }).pipe(Effect.provide(NodeContext.layer), quiet), 30_000)

  it.live("fail with the fix when no node answers, or when the address is not loopback", () =>
    Effect.gen(function*() {
      const withToken = Effect.withConfigProvider(ConfigProvider.fromMap(new Map([[OperatorToken.TOKEN_ENV, "t"]])))
      // Port 1 on loopback: nothing listens there, the connection is refused.
      const unreachable = yield* Effect.flip(statusHandler({ operator: "127.0.0.1:1" })).pipe(withToken)
      expect(unreachable._tag).toBe("OperatorUnreachable")
      expect(unreachable.message).toContain("\"listen\": \"127.0.0.1:7070\"")
      expect(unreachable.message).toContain("orbiplex start")
      const remote = yield* Effect.flip(statusHandler({ operator: "10.0.0.1:7070" })).pipe(withToken)
      expect(remote._tag).toBe("OperatorAddressInvalid")
      expect(remote.message).toContain("loopback")
    }).pipe(Effect.provide(NodeContext.layer)))

  it.scoped("never hangs on a node that accepts the connection and never answers", () =>
    Effect.gen(function*() {
      const connected = yield* Deferred.make<void>()
      const sockets: Array<Net.Socket> = []
      const server = yield* Effect.acquireRelease(
        Effect.async<Net.Server>((resume) => {
          const created = Net.createServer((socket) => {
            sockets.push(socket)
            Deferred.unsafeDone(connected, Exit.void)
          })
          created.listen(0, "127.0.0.1", () => resume(Effect.succeed(created)))
        }),
        (created) => Effect.sync(() => {
          for (const socket of sockets) socket.destroy()
          created.close()
        })
      )
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      const status = yield* Effect.fork(
        statusHandler({ operator: `127.0.0.1:${port}` }).pipe(
          Effect.withConfigProvider(ConfigProvider.fromMap(new Map([[OperatorToken.TOKEN_ENV, "t"]])))
        )
      )
      yield* Deferred.await(connected)
      yield* TestClock.adjust("11 seconds")
      const exit = yield* Fiber.await(status)
      expect(Exit.isFailure(exit)).toBe(true)
      if (Exit.isFailure(exit)) expect(String(exit.cause)).toContain("did not answer within 10s")
    }).pipe(Effect.provide(NodeContext.layer)))
})
