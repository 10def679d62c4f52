/**
 * One module's lifecycle with real processes: start, stop, and every way a start can fail.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect } from "effect"
import type { ModuleStatus } from "../../src/contract/ModuleStatus.js"
import { fixtureEntry } from "../support/Fixture.js"
import { envelope, factKeys, makeLogCapture, quiet, runningOf, startNode } from "../support/Node.js"
import { expectNoLeftoverProcesses, isAlive } from "../support/Processes.js"

expectNoLeftoverProcesses()

const settled = (status: ModuleStatus) => status.state === "ready" || status.state === "failed"

describe("Supervisor lifecycle", () => {
  it.scopedLive("starts a module, reports it, invokes it and stops it", () =>
    Effect.gen(function*() {
      const node = yield* startNode([fixtureEntry("happy", "ok")])
      const status = yield* node.supervisor.inspect("happy")
      expect(status.state).toBe("ready")
      expect(status.module_version).toBe("0.0.1")
      expect(status.module_name).toBe("Fixture module")
      expect(status.capabilities).toEqual(["fixture/echo"])
      expect(status.restarts).toBe(0)
      const running = yield* runningOf(node, "happy")
      expect(status.pid).toBe(running.pid)
      expect(status.port).toBe(running.port)
      expect(isAlive(running.pid)).toBe(true)

      const decision = yield* node.client.invoke("happy", envelope())
      expect(decision.decision).toBe("annotate")
      expect(decision.annotations?.["pid"]).toBe(running.pid)
      expect(decision.annotations?.["calls"]).toBe(1)

      yield* node.supervisor.stop("happy")
      expect((yield* node.supervisor.inspect("happy")).state).toBe("stopped")
      // A well-behaved module exits on SIGTERM by itself: code 0, no SIGKILL.
      expect(yield* running.child.exit).toEqual({ code: 0, signal: null })
      expect(isAlive(running.pid)).toBe(false)
      expect(yield* factKeys(node, "happy")).toEqual([
        "configured>starting:start",
        "starting>starting:listening",
        "starting>ready:ready",
        "ready>stopping:stop",
        "stopping>stopped:stop"
      ])
      // The listening fact names the process and its port before the module is ready (§1.4).
      const listening = (yield* node.log.history("happy")).find((fact) => fact.cause === "listening")
      expect(listening).toMatchObject({ from: "starting", to: "starting", pid: running.pid, port: running.port })
      const facts = yield* node.log.history("happy")
      expect(facts[1]?.pid).toBe(running.pid)
      expect(facts.every((fact) => fact.module_id === "fixture-module" && fact.component_id === "middleware.happy")).toBe(true)
    }).pipe(quiet))

  it.scopedLive("fails at preflight, permanently, when the executable is missing", () =>
    Effect.gen(function*() {
      const node = yield* startNode([fixtureEntry("noexe", "ok", { launch: { executable: "/nonexistent/python3" } })])
      const status = yield* node.supervisor.awaitStatus("noexe", settled)
      expect(status.state).toBe("failed")
      expect(status.restarts).toBe(0)
      expect(status.last_error).toContain("failed at preflight")
      expect(status.last_error).toContain("/nonexistent/python3 does not exist")
      expect(yield* factKeys(node, "noexe")).toEqual(["configured>starting:start", "starting>failed:start-failed"])
    }).pipe(quiet))

  it.scopedLive("fails at preflight when the working folder is missing", () =>
    Effect.gen(function*() {
      const node = yield* startNode([fixtureEntry("nocwd", "ok", { launch: { cwd: "/nonexistent/folder" } })])
      const status = yield* node.supervisor.awaitStatus("nocwd", settled)
      expect(status.state).toBe("failed")
      expect(status.restarts).toBe(0)
      expect(status.last_error).toContain("failed at preflight")
      expect(status.last_error).toContain("launch.cwd")
    }).pipe(quiet))

  it.scopedLive("fails at announce when the module never announces, and the process is gone", () => {
    const logs = makeLogCapture()
    return Effect.gen(function*() {
      const node = yield* startNode([
        fixtureEntry("mute", "never_announce", {
          http: { startup_timeout_ms: 400 },
          restart_policy: { mode: "never" }
        })
      ])
      const status = yield* node.supervisor.awaitStatus("mute", settled)
      expect(status.state).toBe("failed")
      expect(status.last_error).toContain("failed at announce")
      expect(status.last_error).toContain("no announcement within 400 ms")
      const started = (yield* node.log.history("mute"))[0]
      expect(started?.cause).toBe("start")
      expect(yield* factKeys(node, "mute")).toEqual(["configured>starting:start", "starting>failed:start-failed"])
      // It never got ready, so no fact names its pid: the fixture's own first stderr line does.
      const pids = logs.fixturePids("middleware.mute")
      expect(pids).toHaveLength(1)
      // The launch scope closed (and awaited the exit) before the failed fact.
      expect(pids.filter(isAlive)).toEqual([])
    }).pipe(logs.capture)
  })

  it.scopedLive("fails at ready when /readyz never answers 200", () =>
    Effect.gen(function*() {
      const node = yield* startNode([
        fixtureEntry("unready", "never_ready", {
          // Long enough for a loaded machine to start Python and answer /readyz at least once.
          http: { startup_timeout_ms: 3_000 },
          restart_policy: { mode: "never" }
        })
      ])
      const status = yield* node.supervisor.awaitStatus("unready", settled)
      expect(status.state).toBe("failed")
      expect(status.last_error).toContain("failed at ready")
      expect(status.last_error).toContain("answered 503")
    }).pipe(quiet))

  it.scopedLive("restarts a module that crashes on start until the budget is spent", () =>
    Effect.gen(function*() {
      const node = yield* startNode([
        fixtureEntry("crashy", "crash_on_start", { restart_policy: { max_restarts: 3, backoff: { initial_ms: 5, max_ms: 20 } } })
      ])
      const status = yield* node.supervisor.awaitStatus("crashy", (s) => s.state === "failed")
      expect(status.restarts).toBe(3)
      expect(status.last_error).toContain("exited with code 3")
      expect(yield* factKeys(node, "crashy")).toEqual([
        "configured>starting:start",
        "starting>starting:start-failed",
        "starting>starting:restart",
        "starting>starting:start-failed",
        "starting>starting:restart",
        "starting>starting:start-failed",
        "starting>starting:restart",
        "starting>failed:budget-exhausted"
      ])
      const facts = yield* node.log.history("crashy")
      expect(facts.at(-1)?.detail).toContain("3 restarts in 60 s used up")
    }).pipe(quiet))

  it.scopedLive("stops a module that ignores SIGTERM with SIGKILL after grace_ms", () =>
    Effect.gen(function*() {
      const graceMs = 300
      const node = yield* startNode([fixtureEntry("stubborn", "ignore_sigterm", { stop: { grace_ms: graceMs } })])
      const running = yield* runningOf(node, "stubborn")
      const [elapsed] = yield* Effect.timed(node.supervisor.stop("stubborn"))
      // A lower bound only: SIGKILL cannot come before the grace is over.
      expect(Duration.toMillis(elapsed)).toBeGreaterThanOrEqual(graceMs)
      expect(yield* running.child.exit).toEqual({ code: null, signal: "SIGKILL" })
      expect(isAlive(running.pid)).toBe(false)
      expect((yield* node.supervisor.inspect("stubborn")).state).toBe("stopped")
    }).pipe(quiet))

  for (const [mode, expected] of [
    ["wrong_module_id", `module_id is "someone-else" but config expects "fixture-module"`],
    ["wrong_contract", `middleware_contract_version is "2.0"`]
  ] as const) {
    it.scopedLive(`fails at report, permanently, on ${mode}`, () => {
      const logs = makeLogCapture()
      return Effect.gen(function*() {
        const node = yield* startNode([fixtureEntry("liar", mode)])
        const status = yield* node.supervisor.awaitStatus("liar", settled)
        expect(status.state).toBe("failed")
        expect(status.restarts).toBe(0)
        expect(status.last_error).toContain("failed at report")
        expect(status.last_error).toContain(expected)
        const facts = yield* node.log.history("liar")
        expect(facts.map((fact) => `${fact.from}>${fact.to}:${fact.cause}`)).toEqual([
          "configured>starting:start",
          "starting>starting:listening",
          "starting>failed:start-failed"
        ])
        // The refused module was stopped when its launch scope closed.
        const pids = logs.fixturePids("middleware.liar")
        expect(pids).toHaveLength(1)
        expect(pids.filter(isAlive)).toEqual([])
      }).pipe(logs.capture)
    })
  }
})
