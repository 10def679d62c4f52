/**
 * `orbiplex status` against a real node: the rows carry kind, pid, port, uptime, CPU and RSS of the
 * live process; an operator restart is counted; a killed process shows its signal as the last exit
 * and turns the exit code to 3; members answer to their module_id / component_id when unambiguous.
 */
import { NodeContext, NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Layer, Redacted } from "effect"
import { statusHandler } from "../../src/cli/StatusHandlers.js"
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

describe("status of a real node", () => {
  it.scopedLive("shows each live process's usage, counts operator restarts, and exits 3 once one is down", () =>
    Effect.gen(function*() {
      const node = yield* startNode([
        fixtureEntry("alpha", "ok"),
        fixtureEntry("beta", "ok", { restart_policy: { mode: "never" } })
      ])
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
      const operator = `127.0.0.1:${server.address.port}`
      const config = writeFile(dir, "node.json", { node: { data_dir: "./data" } })
      const token = (yield* OperatorToken.read(`${dir}/data`)).value
      const client = yield* makeOperatorClient(server.url, token)

      expect(yield* statusHandler({ operator, config, json: true })).toBe(0)
      const listed = yield* client.list
      for (const row of listed) {
        expect(row).toMatchObject({ kind: "module", state: "ready" })
        expect(row.pid).toBeGreaterThan(0)
        expect(row.port).toBeGreaterThan(0)
        expect(row.uptime_ms).toBeGreaterThanOrEqual(0)
        expect(row.cpu_percent).toBeGreaterThanOrEqual(0)
        // A Python interpreter is never under a megabyte resident.
        expect(row.rss_bytes).toBeGreaterThan(1024 * 1024)
      }

      // An operator's restart is a restart too, and a component_id names the member.
      yield* client.act("middleware.alpha", "restart")
      const alpha = yield* client.inspect("alpha")
      expect(alpha.status).toMatchObject({ state: "ready", restarts: 1 })
      expect(alpha.status.pid).not.toBe(listed[0]?.pid)
      // Both fixtures report module_id "fixture-module": that name is ambiguous, and the error lists the ids.
      const ambiguous = yield* Effect.flip(client.inspect("fixture-module"))
      expect(ambiguous.message).toContain("alpha, beta")

      // A member killed from outside (restart mode "never") is failed, with the signal as its last exit.
      const beta = listed[1]
      if (beta?.pid === undefined) return yield* Effect.dieMessage("beta has no pid")
      process.kill(beta.pid, "SIGKILL")
      const failed = yield* node.supervisor.awaitStatus("beta", (status) => status.state === "failed")
      expect(failed.last_exit).toMatchObject({ signal: "SIGKILL" })
      expect(failed.last_exit?.at).toMatch(/^\d{4}-\d\d-\d\dT/)
      expect(failed.pid).toBeUndefined()
      expect(yield* statusHandler({ operator, config })).toBe(3)
      expect(Redacted.value(token).length).toBeGreaterThan(0)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici), Effect.provide(NodeContext.layer), quiet), 30_000)
})
