/**
 * The whole command line end to end: `orbiplex start` with its operator API, `orbiplex status` and
 * `orbiplex module restart` against it, then Ctrl+C (SIGINT) stopping the node and its module.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { requireBuild, runCli } from "../support/Cli.js"
import { fixtureEntryJson } from "../support/Fixture.js"
import { awaitLine, startHost } from "../support/Host.js"
import { awaitGone, expectNoLeftoverProcesses, killQuietly } from "../support/Processes.js"
import { tempDir, writeFile } from "../support/TempFiles.js"

requireBuild()
expectNoLeftoverProcesses()

const pidOf = (table: string, id: string): number => Number(new RegExp(`^${id}\\s+ready\\s+(\\d+)`, "m").exec(table)?.[1])

describe("orbiplex start with the operator API", () => {
  it.scopedLive("status and module restart reach the running node; SIGINT stops it and its module", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const config = writeFile(dir, "node.json", {
        node: { data_dir: "./data" },
        operator: { listen: "127.0.0.1:0" },
        modules: [fixtureEntryJson("worker", "ok")]
      })
      const host = yield* startHost(config)
      const listening = yield* awaitLine(host, /operator API listening on http:\/\/(127\.0\.0\.1:\d+)/).pipe(Effect.timeout("20 seconds"))
      const env = { ...process.env, ORBIPLEX_OPERATOR: listening[1] }

      const status = yield* runCli(["status"], env)
      expect(status.code).toBe(0)
      const before = pidOf(status.stdout, "worker")
      expect(before).toBeGreaterThan(0)
      yield* Effect.addFinalizer(() => Effect.sync(() => killQuietly(before)))

      const restart = yield* runCli(["module", "restart", "worker"], env)
      expect(restart.code).toBe(0)
      const after = pidOf((yield* runCli(["status"], env)).stdout, "worker")
      expect(after).toBeGreaterThan(0)
      expect(after).not.toBe(before)
      yield* Effect.addFinalizer(() => Effect.sync(() => killQuietly(after)))
      yield* awaitGone(before, 2_000)

      const exited = Effect.async<number | null>((resume) => {
        host.once("exit", (code) => resume(Effect.succeed(code)))
      })
      host.kill("SIGINT")
      expect(yield* exited.pipe(Effect.timeout("10 seconds"))).toBe(0)
      yield* awaitGone(after, 2_000)
    }))
})
