/**
 * What the host gives the child (CONTRACTS §1.2): exactly `launch.env` plus the contract's
 * variables, nothing of the host's own environment, and a private per-launch token file.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { ENV_DUMP_SCRIPT, fixtureEntry, RUN_MARKER } from "../support/Fixture.js"
import { quiet, runningOf, startNode } from "../support/Node.js"
import { expectNoLeftoverProcesses } from "../support/Processes.js"
import { tempDir } from "../support/TempFiles.js"

expectNoLeftoverProcesses()

const CANARY = "ORBIPLEX_TEST_CANARY_SECRET"

describe("child environment", () => {
  it.scopedLive("is exactly launch.env plus the contract's variables; no host variable leaks", () =>
    Effect.gen(function*() {
      // A secret in the host's environment, as a token or a cloud key would be.
      yield* Effect.acquireRelease(
        Effect.sync(() => {
          process.env[CANARY] = "must-not-leak"
        }),
        () => Effect.sync(() => delete process.env[CANARY])
      )
      const dir = yield* tempDir
      const dump = Path.join(dir, "env.json")
      const node = yield* startNode([
        fixtureEntry("envy", "ok", {
          launch: { args: [ENV_DUMP_SCRIPT, dump, RUN_MARKER] },
          env: { CUSTOM_SETTING: "kept", ORBIPLEX_LOG_LEVEL: "debug" },
          http: { max_in_flight: 7 }
        })
      ])
      const running = yield* runningOf(node, "envy")
      const given: Record<string, string> = JSON.parse(Fs.readFileSync(dump, "utf8"))
      const tokenFile = given["ORBIPLEX_MIDDLEWARE_AUTHTOK_FILE"] ?? ""
      expect(given).toEqual({
        FIXTURE_MODE: "ok",
        CUSTOM_SETTING: "kept",
        ORBIPLEX_LOG_LEVEL: "debug",
        ORBIPLEX_MODULE_ID: "fixture-module",
        ORBIPLEX_EXECUTOR_ID: "envy",
        ORBIPLEX_LISTEN_HOST: "127.0.0.1",
        ORBIPLEX_LISTEN_PORT: "0",
        ORBIPLEX_MIDDLEWARE_AUTHTOK_FILE: tokenFile,
        ORBIPLEX_MIDDLEWARE_AUTH_HEADER: "Authorization",
        ORBIPLEX_MIDDLEWARE_MAX_CONNECTIONS: "7",
        PYTHONUNBUFFERED: "1"
      })
      expect(Object.keys(given)).not.toContain(CANARY)
      expect(Object.keys(given)).not.toContain("PATH")

      // The token file is private to the host's user and holds the token the host sends.
      const stat = Fs.statSync(tokenFile)
      expect(stat.mode & 0o777).toBe(0o600)
      expect(`Bearer ${Fs.readFileSync(tokenFile, "utf8").trim()}`).toBe(running.authorization)

      // It lives only as long as the launch.
      yield* node.supervisor.stop("envy")
      expect(Fs.existsSync(tokenFile)).toBe(false)
    }).pipe(quiet))

  it.scopedLive("a fixed listen port in http.endpoint reaches the module", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const dump = Path.join(dir, "env.json")
      // Port 0 first to find a free port, then the same port asked for explicitly.
      const probe = yield* startNode([fixtureEntry("probe", "ok")])
      const port = (yield* runningOf(probe, "probe")).port
      yield* probe.close
      const node = yield* startNode([
        fixtureEntry("fixed", "ok", { launch: { args: [ENV_DUMP_SCRIPT, dump, RUN_MARKER] }, http: { endpoint: `http://127.0.0.1:${port}` } })
      ])
      const given: Record<string, string> = JSON.parse(Fs.readFileSync(dump, "utf8"))
      expect(given["ORBIPLEX_LISTEN_PORT"]).toBe(String(port))
      expect((yield* runningOf(node, "fixed")).port).toBe(port)
    }).pipe(quiet))
})
