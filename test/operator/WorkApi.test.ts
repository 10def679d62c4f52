/**
 * The work API on a real node (`orbiplex start` with Arca and three Dators): a schedule a couple
 * of seconds away starts a persisted run by itself; `orbiplex workflow run --follow` sends a run to
 * the node and prints its phases; Idempotency-Key answers a repeat with the first answer and a
 * different body with 409; `workflow list` / `show` read the node's runs; `workflow cancel` of an
 * ended run is refused (409).
 */
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Redacted } from "effect"
import * as Fs from "node:fs"
import { makeWorkClient } from "../../src/operator/WorkClient.js"
import { requireBuild, runCli } from "../support/Cli.js"
import { awaitLine, startHost } from "../support/Host.js"
import { expectNoLeftoverProcesses } from "../support/Processes.js"
import { tempDir, writeFile } from "../support/TempFiles.js"
import { ARCA_GRANTS, bundledEntryJson, storyProfiles } from "../exchange/ExchangeHarness.js"

requireBuild()
expectNoLeftoverProcesses()

describe("the work API on a running node", () => {
  it.scopedLive("a schedule starts a run; workflow run --follow runs on the node; Idempotency-Key replays and refuses", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const modules = [
        ...Object.entries(storyProfiles({ redaction: 6, illustration: 6 })).map(([id, settings]) =>
          bundledEntryJson("dator", id, { grants: ["inquirium.request"], settings })
        ),
        bundledEntryJson("arca", "arca", { grants: ARCA_GRANTS, http: { max_response_bytes: 1_048_576 } })
      ]
      const config = writeFile(dir, "node.json", {
        node: { id: "work-test", data_dir: "./data", log_level: "info" },
        operator: { listen: "127.0.0.1:0" },
        modules,
        // The runs here are not about acceptance: the redaction orders (auto_accept false) are accepted in advance.
        procurement: { acceptance: "automatic" },
        schedules: [{
          id: "tick",
          cron: "*/2 * * * * *",
          workflow: { template: "morning-briefing", params: { date: "2026-03-30" } },
          overlap: "refuse"
        }]
      })
      const host = yield* startHost(config)
      const listening = yield* awaitLine(host, /operator API listening on http:\/\/(127\.0\.0\.1:\d+)/).pipe(Effect.timeout("30 seconds"))
      const scheduled = yield* awaitLine(host, /schedule tick: started workflow run (tick-\d+)/).pipe(Effect.timeout("60 seconds"))
      const env = { ...process.env, ORBIPLEX_OPERATOR: listening[1], ORBIPLEX_CONFIG: config }

      const token = Redacted.make(Fs.readFileSync(`${dir}/data/operator-token`, "utf8").trim())
      const client = yield* makeWorkClient(`http://${listening[1]}`, token)
      const run = yield* client.getRun(scheduled[1] ?? "")
      expect(run.workflow_id).toBe("morning-briefing")

      const followed = yield* runCli(
        ["workflow", "run", "morning-briefing", "--follow", "--params", "{\"date\": \"2026-03-30\"}", "--new-run-id", "live-1"],
        env
      )
      expect(followed.stderr).not.toContain("standalone")
      expect(followed.stdout).toContain("workflow run live-1 started on the node")
      expect(followed.stdout).toContain("phase news (1/4) started")
      expect(followed.stdout).toContain("workflow morning-briefing run live-1 completed")
      expect(followed.code).toBe(0)

      const body = { template: "morning-briefing", params: { date: "2026-03-30" }, run_id: "live-2" }
      const first = yield* client.startRun(body, "key-1")
      const again = yield* client.startRun(body, "key-1")
      expect(again).toEqual(first)
      const other = yield* Effect.either(client.startRun({ ...body, run_id: "live-3" }, "key-1"))
      expect(Either.isLeft(other) && other.left._tag === "OperatorRequestFailed" && other.left.status).toBe(409)
      expect(Either.isLeft(other) && other.left.message).toContain("key-1")

      const list = yield* runCli(["workflow", "list"], env)
      expect(list.code).toBe(0)
      expect(list.stdout).toContain("live-1  completed")
      expect(list.stdout).toContain("live-2")

      // A run that has ended cannot be cancelled, and the node says so.
      const ended = yield* runCli(["workflow", "cancel", "live-1"], env)
      expect(ended.code).not.toBe(0)
      expect(`${ended.stdout}${ended.stderr}`).toContain("has already ended (completed): there is nothing to cancel")

      const schedules = yield* runCli(["schedule", "list"], env)
      expect(schedules.stdout).toContain("tick  \"*/2 * * * * *\" UTC  workflow morning-briefing")

      const exited = Effect.async<number | null>((resume) => {
        host.once("exit", (code) => resume(Effect.succeed(code)))
      })
      host.kill("SIGINT")
      expect(yield* exited.pipe(Effect.timeout("20 seconds"))).toBe(0)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)), 180_000)
})
