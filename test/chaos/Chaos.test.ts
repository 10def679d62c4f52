/**
 * Issue 9 item 7, the CI variant of `npm run chaos`: a short seeded chaos run (SIGKILL, SIGSTOP hangs,
 * STOP/CONT slow spells) against four supervised echo modules under load, and every promise of the run
 * checked: each invocation ends within its deadline plus a margin with a decision or a typed error, no
 * answer goes to another call or comes twice, idempotent calls retried by policy all succeed, host RSS
 * stays bounded, and after stop no module process (nor one a module started) and no extra file descriptor
 * is left. CHAOS_SECONDS lengthens it.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { defaultOptions, describeReport, runChaos } from "../../bench/ChaosRun.js"
import { REPO_ROOT } from "../support/Fixture.js"

const SECONDS = Number(process.env["CHAOS_SECONDS"] ?? 8)

describe("chaos", () => {
  it.live("every promise holds through kills, hangs and slow spells", () =>
    Effect.gen(function*() {
      const report = yield* Effect.promise(() => runChaos({ ...defaultOptions(REPO_ROOT), seconds: SECONDS, seed: 7 }))
      console.log(`chaos (${SECONDS} s, seed 7):\n  ${describeReport(report).join("\n  ")}`)
      // The run did what it says: load flowed and the schedule hit modules.
      expect(report.invocations).toBeGreaterThan(100)
      expect(report.events.kills + report.events.hangs + report.events.slows).toBeGreaterThan(5)
      expect(report.restarts).toBeGreaterThan(0)
      expect(report.violations.late).toEqual([])
      expect(report.violations.defect).toEqual([])
      expect(report.violations.crossed).toEqual([])
      expect(report.violations.twice).toEqual([])
      // A call in flight when its module dies ends as ModuleCrashed; it is never sent to the next instance.
      expect(report.violations.reexecuted).toEqual([])
      expect(report.violations.idempotent).toEqual([])
      expect(report.violations.rss).toEqual([])
      expect(report.violations.fd).toEqual([])
      expect(report.violations.leftover).toEqual([])
    }), 90_000)
})
