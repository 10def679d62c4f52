/**
 * "Done when" of issue 10 item 1: a real node process running a workflow (bundled Arca and Dators)
 * is SIGKILLed in the middle of the run and started again (`orbiplex start`): the run resumes from
 * the store on its own and completes, and no step whose outcome the store held is ordered again.
 * The store is read from outside the node; the same test runs on SQLite and on PostgreSQL.
 */
import { expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import * as NodeChild from "node:child_process"
import type { IntentResult } from "../../src/contract/Envelope.js"
import { isJsonObject, type JsonObject } from "../../src/contract/Json.js"
import { IntentOutcomeRepo, runScope } from "../../src/store/IntentOutcomeRepo.js"
import { TraceRepo } from "../../src/store/TraceRepo.js"
import { WorkflowRunRepo } from "../../src/store/WorkflowRunRepo.js"
import { requireBuild } from "../support/Cli.js"
import { BIN } from "../support/Fixture.js"
import { expectNoLeftoverProcesses, killQuietly } from "../support/Processes.js"
import { awaitLine } from "../support/Host.js"
import { writeFile } from "../support/TempFiles.js"
import {
  ARCA_GRANTS,
  bundledEntryJson,
  fastRetries,
  get,
  MORNING_TEMPLATE,
  readJsonObject,
  storyProfiles
} from "../exchange/ExchangeHarness.js"
import { forEachDialect, type Place } from "../store/Stores.js"

requireBuild()
expectNoLeftoverProcesses()

const RUN_ID = "crash-1"

/** The node config of the story (three Dators, Arca) over the place's store. */
const nodeConfig = (place: Place): string => {
  const modules = [
    ...Object.entries(storyProfiles({ redaction: 6, illustration: 6 })).map(([id, settings]) =>
      bundledEntryJson("dator", id, { grants: ["inquirium.request"], settings })
    ),
    bundledEntryJson("arca", "arca", { grants: ARCA_GRANTS, http: { max_response_bytes: 1_048_576 } })
  ]
  return writeFile(place.dataDir, "node.json", {
    node: { id: "crash-test", data_dir: place.dataDir, log_level: "info" },
    storage: place.settings(),
    // No operator accepts the redaction orders (auto_accept false) here: accepted in advance.
    procurement: { acceptance: "automatic" },
    modules
  })
}

/** A node process, killed (with its process group's leftovers reaped by the supervisor tests' rule) with the scope. */
const spawnNode = (args: ReadonlyArray<string>, env: Readonly<Record<string, string>>) =>
  Effect.acquireRelease(
    Effect.sync(() => NodeChild.spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] })),
    (child) => Effect.sync(() => child.pid !== undefined && killQuietly(child.pid))
  )

/** Drains a stream the test does not read, so the child never blocks on a full pipe. */
const drain = (child: NodeChild.ChildProcess) => {
  child.stdout?.resume()
  child.stderr?.resume()
}

const exited = (child: NodeChild.ChildProcess) =>
  Effect.async<NodeJS.Signals | number | null>((resume) => {
    if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.succeed(child.signalCode ?? child.exitCode))
    child.once("exit", (code, signal) => resume(Effect.succeed(signal ?? code)))
  })

/** The outcomes of the run's intents in the store, by intent id, and the run. */
const readStore = (store: Layer.Layer<IntentOutcomeRepo | WorkflowRunRepo | TraceRepo>) =>
  Effect.gen(function*() {
    const outcomes = yield* Effect.flatMap(IntentOutcomeRepo, (repo) => repo.ofScope(runScope(RUN_ID)))
    const run = yield* Effect.flatMap(WorkflowRunRepo, (repo) => repo.load(RUN_ID))
    const traces = yield* Effect.flatMap(TraceRepo, (repo) => repo.byCorrelation(RUN_ID))
    return { outcomes, run, traces }
  }).pipe(Effect.provide(store), Effect.orDie)

/** An outcome of a `procurement.order` intent (its result names the order). */
const isOrder = (outcome: IntentResult) => isJsonObject(outcome.result) && typeof outcome.result["order_id"] === "string"

forEachDialect("a SIGKILLed node resumes its workflow from the store", (dialect) => {
  it.scopedLive("the run completes after a restart and no recorded step is ordered again", () =>
    Effect.gen(function*() {
      const place = yield* dialect.place
      const config = nodeConfig(place)
      const template = writeFile(place.dataDir, "morning.json", fastRetries(readJsonObject(MORNING_TEMPLATE)))

      // Life 1: `orbiplex workflow run`, killed once the illustration phase has started.
      const first = yield* spawnNode(
        ["workflow", "run", template, "--config", config, "--new-run-id", RUN_ID, "--params", "{\"date\": \"2026-03-30\"}"],
        place.env
      )
      first.stderr?.resume()
      yield* awaitLine(first, /phase illustration \(\d\/\d\) started/, "stdout").pipe(Effect.timeout("90 seconds"))
      first.kill("SIGKILL")
      expect(yield* exited(first)).toBe("SIGKILL")

      const store = Layer.succeedContext(yield* Layer.build(place.bare()).pipe(Effect.orDie))
      const before = yield* readStore(store)
      expect(before.run._tag === "Some" && before.run.value.host.status).toBe("running")
      const recorded = new Map(before.outcomes.map((outcome) => [outcome.intent_id, outcome]))
      expect([...recorded.values()].filter(isOrder).length).toBeGreaterThan(0)

      // Life 2: `orbiplex start` with the same config finds the run and drives it to its end.
      const started = Date.now()
      const second = yield* spawnNode(["start", "--config", config], place.env)
      second.stdout?.resume()
      const resumed = yield* awaitLine(second, /workflow run crash-1 resumed: (\w+)/).pipe(Effect.timeout("120 seconds"))
      expect(resumed[1]).toBe("completed")
      // A graceful stop: the journals flush their queues into the store before it closes.
      drain(second)
      second.kill("SIGTERM")
      yield* exited(second)

      const after = yield* readStore(store)
      const run = after.run._tag === "Some" ? after.run.value : undefined
      expect(run?.host.status).toBe("completed")
      const steps = get(run?.state, "steps")
      expect(isJsonObject(steps) ? Object.keys(steps).length : 0).toBe(15)
      for (const [id, step] of Object.entries(isJsonObject(steps) ? steps : {})) {
        expect({ id, status: get(step, "status") }).toEqual({ id, status: "done" })
      }
      // Each intent id has one outcome, and what life 1 recorded is what the store still holds.
      const ids = after.outcomes.map((outcome) => outcome.intent_id)
      expect(new Set(ids).size).toBe(ids.length)
      for (const [id, outcome] of recorded) expect(after.outcomes.find((o) => o.intent_id === id)).toEqual(outcome)
      // Life 2 ordered only what had no outcome: one service.execute chain per new order intent.
      const newOrders = after.outcomes.filter((outcome) => isOrder(outcome) && !recorded.has(outcome.intent_id))
      const ordersOfLife2 = after.traces.filter((trace: JsonObject) =>
        trace["hook"] === "service.execute" && typeof trace["started_at"] === "string" && Date.parse(trace["started_at"]) >= started
      )
      expect(newOrders.length).toBeGreaterThan(0)
      expect(ordersOfLife2.length).toBe(newOrders.length)
    }), 240_000)
})
