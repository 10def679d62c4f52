/**
 * Operator controls (list, inspect, stop, start, restart) and the node-wide order: every module
 * starts in parallel and they stop in reverse config order.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import type { ModuleStatus } from "../../src/contract/ModuleStatus.js"
import { fixtureEntry } from "../support/Fixture.js"
import { envelope, factKey, factKeys, quiet, runningOf, startNode } from "../support/Node.js"
import { expectNoLeftoverProcesses, isAlive } from "../support/Processes.js"

expectNoLeftoverProcesses()

const ready = (status: ModuleStatus) => status.state === "ready"

describe("operator controls", () => {
  it.scopedLive("list, inspect, stop, start and restart a module", () =>
    Effect.gen(function*() {
      const node = yield* startNode([fixtureEntry("alpha", "ok"), fixtureEntry("beta", "ok")])
      const listed = yield* node.supervisor.list
      expect(listed.map((status) => [status.executor_id, status.state])).toEqual([["alpha", "ready"], ["beta", "ready"]])
      const alpha = yield* runningOf(node, "alpha")
      expect((yield* node.supervisor.inspect("alpha")).pid).toBe(alpha.pid)

      yield* node.supervisor.stop("alpha")
      expect((yield* node.supervisor.inspect("alpha")).state).toBe("stopped")
      expect(isAlive(alpha.pid)).toBe(false)
      expect((yield* node.supervisor.current("alpha"))._tag).toBe("None")
      // A stopped module is not routed to, and a call does not wait for it.
      const refused = yield* Effect.flip(node.client.invoke("alpha", envelope()))
      expect(refused).toMatchObject({ _tag: "ModuleNotReady", state: "stopped" })
      // Stopping it again is a no-op; the other module was never touched.
      yield* node.supervisor.stop("alpha")
      expect((yield* node.supervisor.inspect("beta")).state).toBe("ready")

      yield* node.supervisor.start("alpha")
      const started = yield* node.supervisor.awaitStatus("alpha", ready)
      expect(started.pid).not.toBe(alpha.pid)
      expect((yield* node.client.invoke("alpha", envelope())).annotations?.["pid"]).toBe(started.pid)
      // Starting a running module is a no-op.
      yield* node.supervisor.start("alpha")
      expect((yield* node.supervisor.inspect("alpha")).pid).toBe(started.pid)

      yield* node.supervisor.restart("alpha")
      const restarted = yield* node.supervisor.awaitStatus("alpha", ready)
      expect(restarted.pid).not.toBe(started.pid)
      expect(isAlive(started.pid ?? -1)).toBe(false)
      expect(yield* factKeys(node, "alpha")).toEqual([
        "configured>starting:start",
        "starting>starting:listening",
        "starting>ready:ready",
        "ready>stopping:stop",
        "stopping>stopped:stop",
        "stopped>starting:start",
        "starting>starting:listening",
        "starting>ready:ready",
        "ready>stopping:stop",
        "stopping>stopped:stop",
        "stopped>starting:start",
        "starting>starting:listening",
        "starting>ready:ready"
      ])
      expect(yield* factKeys(node, "beta")).toEqual(["configured>starting:start", "starting>starting:listening", "starting>ready:ready"])
    }).pipe(quiet))

  it.scopedLive("start gives a failed module a fresh restart budget", () =>
    Effect.gen(function*() {
      const node = yield* startNode([
        fixtureEntry("broken", "crash_on_start", { restart_policy: { max_restarts: 1, backoff: { initial_ms: 5 } } })
      ])
      const failed = yield* node.supervisor.inspect("broken")
      expect(failed).toMatchObject({ state: "failed", restarts: 1 })
      yield* node.supervisor.start("broken")
      // The count of restarts is the module's history; the budget is per start.
      const again = yield* node.supervisor.awaitStatus("broken", (status) => status.state === "failed" && status.restarts === 2)
      expect(again.last_error).toContain("exited with code 3")
      const once = [
        "starting>starting:start-failed",
        "starting>starting:restart",
        "starting>failed:budget-exhausted"
      ]
      expect(yield* factKeys(node, "broken")).toEqual([
        "configured>starting:start",
        ...once,
        "failed>starting:start",
        ...once
      ])
    }).pipe(quiet))

  it.scopedLive("every operation on an unknown executor id fails with UnknownModule", () =>
    Effect.gen(function*() {
      const node = yield* startNode([fixtureEntry("known", "ok")])
      const operations = [
        node.supervisor.inspect("ghost"),
        node.supervisor.start("ghost"),
        node.supervisor.stop("ghost"),
        node.supervisor.restart("ghost"),
        node.supervisor.current("ghost"),
        node.supervisor.changes("ghost"),
        node.supervisor.awaitStatus("ghost", () => true)
      ]
      for (const operation of operations) {
        const error = yield* Effect.flip(operation)
        expect(error).toMatchObject({ _tag: "UnknownModule", executor_id: "ghost", known: ["known"] })
      }
    }).pipe(quiet))
})

describe("node order", () => {
  it.scopedLive("starts every module in parallel and stops them in reverse config order", () =>
    Effect.gen(function*() {
      const ids = ["first", "second", "third"]
      const node = yield* startNode(ids.map((id) => fixtureEntry(id, "ok", { stop: { grace_ms: 2_000 } })))
      const pids = yield* Effect.forEach(ids, (id) => Effect.map(runningOf(node, id), (running) => running.pid))
      const started = (yield* node.log.history()).map((fact) => `${fact.executor_id} ${factKey(fact)}`)
      // Every spawn happened before any module was ready: the launches overlapped.
      const firstReady = started.findIndex((line) => line.endsWith(":ready"))
      const spawnedBeforeReady = started.slice(0, firstReady).filter((line) => line.endsWith(":start"))
      expect(spawnedBeforeReady.sort()).toEqual(ids.map((id) => `${id} configured>starting:start`).sort())
      expect(started.filter((line) => line.endsWith(":ready"))).toHaveLength(3)

      yield* node.close
      const stopped = (yield* node.log.history()).slice(started.length).map((fact) => `${fact.executor_id} ${factKey(fact)}`)
      expect(stopped).toEqual([
        "third ready>stopping:stop",
        "third stopping>stopped:stop",
        "second ready>stopping:stop",
        "second stopping>stopped:stop",
        "first ready>stopping:stop",
        "first stopping>stopped:stop"
      ])
      expect(pids.filter(isAlive)).toEqual([])
    }).pipe(quiet))
})
