/**
 * Story 006 on four nodes (issue 11 item 6), exactly as `npm run story-006` runs it: the built
 * script starts Adam's, Ola's and Marcin's sellers and the buyer as four processes on four loopback
 * addresses, tops the buyer up, runs morning-briefing across the peer transport (Ola's orders
 * accepted by her operator), and exits 0 only when the buyer's ledger ends at SETTLEMENT.md §4's
 * balances. Each node's data folder is a temp folder of the test; the script's process group is
 * ended with the test whatever happens.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Option } from "effect"
import * as ChildProcess from "node:child_process"
import * as Path from "node:path"
import { REPO_ROOT } from "../support/Fixture.js"
import { tempDir } from "../support/TempFiles.js"

const SCRIPT = Path.join(REPO_ROOT, "dist", "examples", "story-006", "run.js")

/** Signals every process of group `pgid` (the script and the nodes it started); it may be gone already. */
const signalGroup = (pgid: number, signal: NodeJS.Signals) => {
  try {
    process.kill(-pgid, signal)
  } catch {
    // Already gone.
  }
}

/** Runs the script in its own process group; the group is ended when the scope closes. */
const runStory = (dataDir: string) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const child = ChildProcess.spawn(process.execPath, [SCRIPT], {
        env: { ...process.env, STORY_006_DATA: dataDir },
        stdio: ["ignore", "pipe", "pipe"],
        detached: true
      })
      let output = ""
      child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")))
      child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")))
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
      return { child, exited, output: () => output }
    }),
    ({ child, exited }) =>
      Effect.gen(function*() {
        if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return
        // The script stops its four nodes on SIGTERM; a group still there after that is killed.
        signalGroup(child.pid, "SIGTERM")
        const gone = yield* Effect.promise(() => exited).pipe(Effect.timeoutOption(Duration.seconds(20)))
        if (Option.isNone(gone)) signalGroup(child.pid, "SIGKILL")
      })
  )

describe("story 006 on four nodes", () => {
  it.scopedLive("the buyer orders from three seller nodes and its ledger ends at the story's balances", () =>
    Effect.gen(function*() {
      const dataDir = yield* tempDir
      const story = yield* runStory(dataDir)
      const code = yield* Effect.promise(() => story.exited)
      const output = story.output()
      expect(output, output).toContain("run story-006: completed")
      expect(output).toContain("ola's operator accepts order:story-006:redact-1:")
      expect(output).toMatch(/\d+ ledger artifacts read; 0 off their schema/)
      expect(output).toContain("story 006 balances: buyer 34800, Adam 1200, Ola 6000, Marcin 3000, pool 5000, held 0")
      expect(code).toBe(0)
    }), { timeout: 300_000 })
})
