import { NodeFileSystem } from "@effect/platform-node"
import { expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { importJsonRuns } from "../../src/store/WorkflowImport.js"
import { type StoredRun, WorkflowRunRepo } from "../../src/store/WorkflowRunRepo.js"
import { writeFile } from "../support/TempFiles.js"
import { forEachDialect } from "./Stores.js"

const run = (runId: string, overrides: Partial<StoredRun["host"]> = {}): StoredRun => ({
  schema_version: "orbiplex-workflow-run.v1",
  run_id: runId,
  workflow_id: "news-digest",
  template: { phases: [{ phase_id: "news", steps: [{ step_id: "fetch", price: 100 }] }] },
  params: { topic: "ports" },
  state: { status: "running", steps: { fetch: { status: "running", attempt: 1 } }, deadline_at_ms: 1_700_000_000_000 },
  host: {
    executor_id: "arca",
    status: "running",
    created_at_ms: 1_700_000_000_000,
    updated_at_ms: 1_700_000_000_500,
    moves: 2,
    last_intents: ["i-1"],
    outcomes: { "i-1": { intent_id: "i-1", status: "ok", result: { order_id: "o-1", content: [1, "two", null] } } },
    pending_events: [{ kind: "transition", step_id: "fetch" }],
    ...overrides
  }
})

forEachDialect("WorkflowRunRepo", (dialect) => {
  it.scopedLive("saves and loads the same record, and keeps it across a restart", () =>
    Effect.gen(function*() {
      const place = yield* dialect.place
      const first = run("run-1")
      const failed = run("run-2", {
        status: "failed",
        failure: { code: "too-many-moves", reason: "stopped", source: "host", step_id: "fetch" },
        outcomes: {},
        last_intents: []
      })
      yield* Effect.gen(function*() {
        const repo = yield* WorkflowRunRepo
        expect(yield* repo.load("run-1")).toEqual(Option.none())
        yield* repo.save(first)
        yield* repo.save(failed)
        expect(yield* repo.load("run-1")).toEqual(Option.some(first))
      }).pipe(Effect.provide(place.layer()))
      // A new store over the same database: the node restarted.
      yield* Effect.gen(function*() {
        const repo = yield* WorkflowRunRepo
        expect(yield* repo.load("run-1")).toEqual(Option.some(first))
        expect(yield* repo.load("run-2")).toEqual(Option.some(failed))
        expect(yield* repo.list).toEqual(["run-1", "run-2"])
        expect(yield* repo.withStatus("running")).toEqual(["run-1"])
      }).pipe(Effect.provide(place.layer()))
    }))

  it.scopedLive("updates the run but never replaces a step's first outcome", () =>
    Effect.gen(function*() {
      const place = yield* dialect.place
      yield* Effect.gen(function*() {
        const repo = yield* WorkflowRunRepo
        yield* repo.save(run("run-1"))
        const retried = { intent_id: "i-1", status: "failed" as const, error: "second try" }
        const second = { intent_id: "i-2", status: "rejected" as const, error: "queue-saturated" }
        const next = run("run-1", {
          moves: 3,
          status: "completed",
          last_intents: ["i-2"],
          outcomes: { "i-1": retried, "i-2": second }
        })
        yield* repo.save(next)
        const loaded = Option.getOrThrow(yield* repo.load("run-1"))
        expect(loaded.host.moves).toBe(3)
        expect(loaded.host.status).toBe("completed")
        expect(loaded.host.outcomes).toEqual({ "i-1": run("run-1").host.outcomes["i-1"], "i-2": second })
        expect(yield* repo.recordStep("run-1", { intent_id: "i-2", status: "ok" })).toEqual(second)
        expect(yield* repo.recordStep("run-1", { intent_id: "i-3", status: "ok", result: null })).toEqual({
          intent_id: "i-3",
          status: "ok",
          result: null
        })
      }).pipe(Effect.provide(place.layer()))
    }))

  it.scopedLive("cancels a run that has not ended, for good: later saves change nothing, a restart reads it cancelled", () =>
    Effect.gen(function*() {
      const place = yield* dialect.place
      yield* Effect.gen(function*() {
        const repo = yield* WorkflowRunRepo
        yield* repo.save(run("running"))
        yield* repo.save(run("suspended", { status: "suspended" }))
        yield* repo.save(run("done", { status: "completed" }))
        expect(yield* repo.cancel("running", 1_700_000_009_000)).toEqual({ _tag: "Cancelled" })
        expect(yield* repo.cancel("suspended", 1_700_000_009_000)).toEqual({ _tag: "Cancelled" })
        expect(yield* repo.cancel("done", 1_700_000_009_000)).toEqual({ _tag: "Ended", status: "completed" })
        expect(yield* repo.cancel("running", 1_700_000_009_500)).toEqual({ _tag: "Ended", status: "cancelled" })
        expect(yield* repo.cancel("nobody", 1_700_000_009_000)).toEqual({ _tag: "Unknown" })
        // The driver's last write, racing the cancel, is not applied; its new step outcome still is.
        yield* repo.save(run("running", {
          moves: 5,
          outcomes: { ...run("running").host.outcomes, "i-9": { intent_id: "i-9", status: "ok", result: null } }
        }))
        const cancelled = Option.getOrThrow(yield* repo.load("running"))
        expect([cancelled.host.status, cancelled.host.moves, cancelled.host.updated_at_ms]).toEqual(["cancelled", 2, 1_700_000_009_000])
      }).pipe(Effect.provide(place.layer()))
      // A new store over the same database: the node restarted, and nothing is left to resume.
      yield* Effect.gen(function*() {
        const repo = yield* WorkflowRunRepo
        expect(yield* repo.withStatus("running")).toEqual([])
        expect(yield* repo.withStatus("cancelled")).toEqual(["running", "suspended"])
        expect(Option.getOrThrow(yield* repo.load("done")).host.status).toBe("completed")
      }).pipe(Effect.provide(place.layer()))
    }))

  it.scopedLive("imports the JSON runs of <data_dir>/workflows once, leaving stored runs and bad files alone", () =>
    Effect.gen(function*() {
      const place = yield* dialect.place
      writeFile(place.dataDir, "workflows/run-a.json", (run("run-a")))
      writeFile(place.dataDir, "workflows/run-b.json", (run("run-b", { status: "completed" })))
      writeFile(place.dataDir, "workflows/broken.json", "{ not json")
      writeFile(place.dataDir, "workflows/other.json", { schema_version: "something-else" })
      // The store's layer imports on its first start.
      yield* Effect.gen(function*() {
        const repo = yield* WorkflowRunRepo
        expect(yield* repo.list).toEqual(["run-a", "run-b"])
        expect(yield* repo.load("run-b")).toEqual(Option.some(run("run-b", { status: "completed" })))
        // A run changed in the store after the import...
        yield* repo.save(run("run-a", { moves: 9 }))
      }).pipe(Effect.provide(place.layer()))
      // ...is not overwritten by the files on the next start, nor by an explicit import.
      writeFile(place.dataDir, "workflows/run-c.json", (run("run-c")))
      yield* Effect.gen(function*() {
        const repo = yield* WorkflowRunRepo
        expect(Option.getOrThrow(yield* repo.load("run-a")).host.moves).toBe(9)
        expect(yield* repo.list).toEqual(["run-a", "run-b"])
        const again = yield* importJsonRuns(place.dataDir)
        expect(again.skipped).toBe(true)
      }).pipe(Effect.provide(place.layer()), Effect.provide(NodeFileSystem.layer))
    }))
})

forEachDialect("WorkflowImport", (dialect) => {
  it.scopedLive("reports what it imported, found present and could not read; then is done", () =>
    Effect.gen(function*() {
      const place = yield* dialect.place
      writeFile(place.dataDir, "workflows/run-a.json", (run("run-a")))
      writeFile(place.dataDir, "workflows/run-b.json", (run("run-b")))
      writeFile(place.dataDir, "workflows/broken.json", "{ not json")
      yield* Effect.gen(function*() {
        const repo = yield* WorkflowRunRepo
        yield* repo.save(run("run-b", { moves: 7 }))
        const summary = yield* importJsonRuns(place.dataDir)
        expect(summary).toEqual({ skipped: false, imported: ["run-a"], present: ["run-b"], unreadable: ["broken.json"] })
        expect(Option.getOrThrow(yield* repo.load("run-b")).host.moves).toBe(7)
        expect((yield* importJsonRuns(place.dataDir)).skipped).toBe(true)
      }).pipe(Effect.provide(place.bare()), Effect.provide(NodeFileSystem.layer))
    }))
})
