/**
 * Where the work commands run when no node is there: `schedule list` computes the next firings from
 * the config; `hook run` with a config that names no operator address runs standalone and says so.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { requireBuild, runCli } from "../support/Cli.js"
import { expectNoLeftoverProcesses } from "../support/Processes.js"
import { tempDir, writeFile } from "../support/TempFiles.js"

requireBuild()
expectNoLeftoverProcesses()

const withoutOperator = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("ORBIPLEX_")))

describe("work commands without a node", () => {
  it.scopedLive("schedule list computes the next firings from the config when no node answers", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const config = writeFile(dir, "node.json", {
        node: { data_dir: "./data" },
        schedules: [{ id: "morning", cron: "0 6 * * *", timezone: "Europe/Warsaw", workflow: { template: "morning-briefing" } }]
      })
      writeFile(dir, "data/operator-token", "t".repeat(43))
      const result = yield* runCli(["schedule", "list", "--config", config, "--operator", "127.0.0.1:1", "--count", "2"])
      expect(result.code).toBe(0)
      expect(result.stderr).toContain("computing the next firings from the config")
      expect(result.stdout).toContain("morning  \"0 6 * * *\" Europe/Warsaw  workflow morning-briefing  missed: skip, overlap: refuse")
      // 06:00 in Warsaw is 05:00 UTC in winter, 04:00 in summer.
      expect(result.stdout).toMatch(/ {2}next \d{4}-\d\d-\d\dT0[45]:00:00\.000Z/)
      expect(result.stdout.match(/ {2}next /g)?.length).toBe(2)
    }), 60_000)

  it.scopedLive("hook run with no operator address configured runs standalone and says so on stderr", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const config = writeFile(dir, "node.json", { node: { data_dir: "./data", log_level: "none" } })
      const result = yield* runCli(["hook", "run", "audit", "--config", config, "--payload", "{}"], withoutOperator)
      expect(result.stderr).toContain("no operator address is configured")
      expect(JSON.parse(result.stdout)).toMatchObject({ outcome: "completed" })
    }), 60_000)
})
