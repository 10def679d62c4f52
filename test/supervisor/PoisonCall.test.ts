/**
 * No poison loops: a call in flight when its module exits is not sent to the next instance unless
 * the caller allows it. The caller gets `ModuleCrashed` with the exit and the module's last stderr
 * lines, the crash is logged at WARN with the correlation id, and the module is restarted once.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Logger, LogLevel } from "effect"
import { fileURLToPath } from "node:url"
import { fixtureEntry, RUN_MARKER } from "../support/Fixture.js"
import { envelope, factKeys, makeLogCapture, runningOf, startNode } from "../support/Node.js"
import { expectNoLeftoverProcesses } from "../support/Processes.js"

expectNoLeftoverProcesses()

const POISON_SCRIPT = fileURLToPath(new URL("../fixtures/poison_module.py", import.meta.url))

const poisonEntry = (id: string) =>
  fixtureEntry(id, "ok", {
    launch: { args: [POISON_SCRIPT, RUN_MARKER] },
    restart_policy: { max_restarts: 3, window_sec: 60 }
  })

describe("a call that crashes its module", () => {
  it.scopedLive("fails with ModuleCrashed once, is not sent again, and the module is ready again after one restart", () => {
    const logs = makeLogCapture()
    return Effect.gen(function*() {
      const node = yield* startNode([poisonEntry("poisoned")])
      const first = yield* runningOf(node, "poisoned")
      const poison = { ...envelope({ _poison: true, _exit_code: 9 }), correlation_id: "order_poison_1" }
      const error = yield* Effect.flip(node.client.invoke("poisoned", poison))
      expect(error).toMatchObject({ _tag: "ModuleCrashed", executor_id: "poisoned", pid: first.pid, exit_code: 9, signal: null })
      if (error._tag !== "ModuleCrashed") return
      expect(error.stderr_tail.slice(-2)).toEqual([
        `poison pill in envelope ${poison.envelope_id}`,
        "giving up: this input always kills me"
      ])
      expect(error.message).toContain("exited with code 9")
      expect(error.message).toContain("giving up: this input always kills me")

      const status = yield* node.supervisor.awaitStatus("poisoned", (s) => s.state === "ready" && s.restarts === 1)
      expect(status.pid).not.toBe(first.pid)
      const after = yield* node.client.invoke("poisoned", envelope())
      expect(after.annotations?.["pid"]).toBe(status.pid)
      expect(after.annotations?.["calls"]).toBe(1)
      // One crash, one restart: the budget (3) is not spent by one bad input.
      expect((yield* node.supervisor.inspect("poisoned")).restarts).toBe(1)
      expect(yield* factKeys(node, "poisoned")).toEqual([
        "configured>starting:start",
        "starting>starting:listening",
        "starting>ready:ready",
        "ready>starting:crash",
        "starting>starting:restart",
        "starting>starting:listening",
        "starting>ready:ready"
      ])
      const warning = logs.lines.find((line) => line.includes("order_poison_1"))
      expect(warning).toContain("exited with code 9")
    }).pipe(logs.capture, Effect.provide(Logger.minimumLogLevel(LogLevel.Warning)))
  })

  it.scopedLive("a call that allows retryOnCrash is sent again to the next instance", () =>
    Effect.gen(function*() {
      const node = yield* startNode([poisonEntry("retried")])
      const first = yield* runningOf(node, "retried")
      // Poison for the first instance only: the next one answers it.
      const decision = yield* node.client.invoke(
        "retried",
        envelope({ _poison_pid: first.pid }),
        { retryOnCrash: true }
      )
      expect(decision.annotations?.["pid"]).not.toBe(first.pid)
      expect((yield* node.supervisor.inspect("retried")).restarts).toBe(1)
    }).pipe(Effect.provide(Logger.minimumLogLevel(LogLevel.None))))
})
