/**
 * A module with a fixed port (http.endpoint with a non-zero port): a port already held fails the
 * start before the spawn and names the holder, and a port that answers but belongs to a process
 * outside the module's group fails it at ready, so a stranger never passes for the module.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import * as Net from "node:net"
import { fileURLToPath } from "node:url"
import { portOwner } from "../../src/supervisor/PortOwner.js"
import { fixtureEntry, RUN_MARKER } from "../support/Fixture.js"
import { quiet, startNode } from "../support/Node.js"
import { expectNoLeftoverProcesses, killQuietly } from "../support/Processes.js"
import { sleepingGroup } from "./GroupSupport.js"

expectNoLeftoverProcesses()

const THIEF_SCRIPT = fileURLToPath(new URL("../fixtures/port_thief.py", import.meta.url))

/** A port that was free a moment ago. */
const freePort = Effect.async<number>((resume) => {
  const server = Net.createServer()
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    const port = address !== null && typeof address === "object" ? address.port : 0
    server.close(() => resume(Effect.succeed(port)))
  })
})

const never = { mode: "never" as const }

describe("a module with a fixed port", () => {
  it.scopedLive("fails before the spawn when the port is held, naming the holder", () =>
    Effect.gen(function*() {
      const holder = yield* sleepingGroup({ host: "127.0.0.1", port: 0 })
      const node = yield* startNode([
        fixtureEntry("fixed", "ok", { http: { endpoint: `http://127.0.0.1:${holder.port}` }, restart_policy: never })
      ])
      const status = yield* node.supervisor.inspect("fixed")
      expect(status.state).toBe("failed")
      expect(status.last_error).toContain("failed at spawn")
      expect(status.last_error).toContain(`port ${holder.port} of module fixed (http.endpoint) is already held by pid ${holder.pid} (`)
      expect(status.last_error).toContain("group_leader.py")
    }).pipe(quiet))

  it.scopedLive("fails at ready when the port answers but is held outside the module's group", () =>
    Effect.gen(function*() {
      const port = yield* freePort
      // The helper the thief starts lives in a group of its own: the host's stop does not reach it.
      yield* Effect.addFinalizer(() =>
        Effect.map(portOwner(port), Option.map((holder) => killQuietly(holder.pid))))
      const node = yield* startNode([
        fixtureEntry("thief", "ok", {
          launch: { args: [THIEF_SCRIPT, RUN_MARKER] },
          http: { endpoint: `http://127.0.0.1:${port}` },
          restart_policy: never
        })
      ])
      const status = yield* node.supervisor.inspect("thief")
      const helper = Option.getOrThrow(yield* portOwner(port))
      expect(status.state).toBe("failed")
      expect(status.last_error).toContain("failed at ready")
      expect(status.last_error).toContain(`port ${port} answers but is held by pid ${helper.pid} (`)
      expect(status.last_error).toContain("not by module thief")
    }).pipe(quiet))

  it.scopedLive("starts normally on a free fixed port it holds itself", () =>
    Effect.gen(function*() {
      const port = yield* freePort
      const node = yield* startNode([fixtureEntry("fixed", "ok", { http: { endpoint: `http://127.0.0.1:${port}` } })])
      const status = yield* node.supervisor.inspect("fixed")
      expect(status).toMatchObject({ state: "ready", port })
    }).pipe(quiet))
})
