/**
 * The whole command line end to end: `orbiplex start` with its operator API, `orbiplex status` and
 * `orbiplex module restart` against it, then Ctrl+C (SIGINT) stopping the node and its module.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Fs from "node:fs"
import { requireBuild, runCli } from "../support/Cli.js"
import { fixtureEntryJson } from "../support/Fixture.js"
import { awaitLine, startHost } from "../support/Host.js"
import { awaitGone, expectNoLeftoverProcesses, killQuietly } from "../support/Processes.js"
import { tempDir, writeFile } from "../support/TempFiles.js"

requireBuild()
expectNoLeftoverProcesses()

const pidOf = (table: string, id: string): number => Number(new RegExp(`^${id}\\s+\\S+\\s+ready\\s+(\\d+)`, "m").exec(table)?.[1])

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
      const env = { ...process.env, ORBIPLEX_OPERATOR: listening[1], ORBIPLEX_CONFIG: config }
      // The token was made at this first start, readable by its owner only; the CLI finds it through the config.
      expect(Fs.statSync(`${dir}/data/operator-token`).mode & 0o777).toBe(0o600)
      const noConfig = Object.fromEntries(
        Object.entries(env).filter(([name]) => name !== "ORBIPLEX_CONFIG" && name !== "ORBIPLEX_OPERATOR_TOKEN")
      )
      const refused = yield* runCli(["status", "--config", `${dir}/absent.json`], noConfig)
      expect(refused.code).toBe(1)
      expect(refused.stderr).toContain("ORBIPLEX_OPERATOR_TOKEN")

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
    }), 120_000)

  it.scopedLive("answers status while a module is still starting (a never-ready module blocks nothing)", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const config = writeFile(dir, "node.json", {
        node: { data_dir: "./data" },
        operator: { listen: "127.0.0.1:0" },
        modules: [
          fixtureEntryJson("slowpoke", "never_ready", { http: { startup_timeout_ms: 120_000 }, restart_policy: { mode: "never" } })
        ]
      })
      const host = yield* startHost(config)
      const listening = yield* awaitLine(host, /operator API listening on http:\/\/(127\.0\.0\.1:\d+)/).pipe(Effect.timeout("20 seconds"))
      const env = { ...process.env, ORBIPLEX_OPERATOR: listening[1], ORBIPLEX_CONFIG: config }
      // The module has announced (its listening fact gives the status a pid) but never gets ready.
      yield* awaitLine(host, /slowpoke.*listening on 127\.0\.0\.1:\d+/).pipe(Effect.timeout("20 seconds"))
      const status = yield* runCli(["status"], env)
      expect(status.stderr).toBe("")
      expect(status.code).toBe(0)
      expect(status.stdout).toMatch(/^slowpoke\s+\S+\s+starting\s+\d+/m)
      const pid = Number(/^slowpoke\s+\S+\s+starting\s+(\d+)/m.exec(status.stdout)?.[1])
      yield* Effect.addFinalizer(() => Effect.sync(() => killQuietly(pid)))
      const exited = Effect.async<number | null>((resume) => {
        host.once("exit", (code) => resume(Effect.succeed(code)))
      })
      host.kill("SIGINT")
      expect(yield* exited.pipe(Effect.timeout("10 seconds"))).toBe(0)
      yield* awaitGone(pid, 2_000)
    }), 120_000)
})
