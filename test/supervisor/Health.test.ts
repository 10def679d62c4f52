/**
 * Health checks with a real module: failures mark it degraded, the threshold restarts it.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { fixtureEntry } from "../support/Fixture.js"
import { factKeys, quiet, runningOf, startNode } from "../support/Node.js"
import { expectNoLeftoverProcesses, isAlive } from "../support/Processes.js"

expectNoLeftoverProcesses()

describe("Supervisor health", () => {
  it.scopedLive("a failing health check degrades the module; the threshold restarts it", () =>
    Effect.gen(function*() {
      const node = yield* startNode([
        fixtureEntry("sickly", "unhealthy_after", {
          env: { FIXTURE_HEALTHY_FOR: "1" },
          health: { interval_ms: 60, failure_threshold: 2 },
          restart_policy: { max_restarts: 5 }
        })
      ])
      const first = yield* runningOf(node, "sickly")
      const degraded = yield* node.supervisor.awaitStatus("sickly", (status) => status.state === "degraded")
      expect(degraded.health_failures).toBe(1)
      expect(degraded.last_error).toBe("health check failed 1 of 2: answered 500")
      // Degraded still serves: the module is not taken out of routing for one failed check.
      expect((yield* node.supervisor.current("sickly"))._tag).toBe("Some")

      const restarted = yield* node.supervisor.awaitStatus("sickly", (status) => status.state === "ready" && status.restarts === 1)
      expect(restarted.pid).not.toBe(first.pid)
      expect(restarted.health_failures).toBe(0)
      // The unhealthy process was stopped before the new one started.
      expect(isAlive(first.pid)).toBe(false)
      expect(yield* first.child.exit).toEqual({ code: 0, signal: null })
      // The new instance fails its checks the same way, so only the first cycle is asserted.
      expect((yield* factKeys(node, "sickly")).slice(0, 8)).toEqual([
        "configured>starting:start",
        "starting>starting:listening",
        "starting>ready:ready",
        "ready>degraded:health-change",
        "degraded>starting:health-change",
        "starting>starting:restart",
        "starting>starting:listening",
        "starting>ready:ready"
      ])
      const facts = yield* node.log.history("sickly")
      expect(facts[4]?.detail).toContain("health check failed 2 of 2: answered 500; restarting it")
    }).pipe(quiet))
})
