/**
 * `workflow run --run-id <id>` resumes a stored run; an id no stored run has is an error that lists
 * the stored runs, raised before any module starts (a typo must never start a new, paid run).
 */
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Option } from "effect"
import { workflowRunHandler } from "../../src/cli/WorkflowHandlers.js"
import { tempDir, writeFile } from "../support/TempFiles.js"

const silent = { out: () => Effect.void, err: () => Effect.void }

/** A minimal stored run record (orbiplex-workflow-run.v1). */
const storedRun = (runId: string) => ({
  schema_version: "orbiplex-workflow-run.v1",
  run_id: runId,
  workflow_id: "morning-briefing",
  template: {},
  params: {},
  state: {},
  host: { executor_id: "arca", status: "suspended", created_at_ms: 0, updated_at_ms: 0, moves: 0, last_intents: [], outcomes: {}, pending_events: [] }
})

describe("orbiplex workflow run --run-id", () => {
  it.scopedLive("an unknown id is an error listing the stored runs, and nothing starts", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = writeFile(dir, "node.json", { node: { data_dir: "./data", log_level: "none" }, modules: [] })
      // Runs an older node kept as JSON files: the store imports them when it is first opened.
      writeFile(dir, "data/workflows/briefing-0330.json", storedRun("briefing-0330"))
      writeFile(dir, "data/workflows/briefing-0331.json", storedRun("briefing-0331"))
      const result = yield* Effect.either(workflowRunHandler({
        template: "morning-briefing",
        config: Option.some(file),
        json: false,
        params: Option.none(),
        runId: Option.some("briefing-0301")
      }, silent))
      expect(Either.isLeft(result)).toBe(true)
      if (Either.isLeft(result)) {
        expect(result.left._tag).toBe("UnknownRun")
        expect(result.left.message).toContain("\"briefing-0301\"")
        expect(result.left.message).toContain("Known runs: briefing-0330, briefing-0331")
        expect(result.left.message).toContain("--new-run-id")
      }
    }).pipe(Effect.provide(NodeContext.layer)))

  it.scopedLive("with no stored run at all, says so", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = writeFile(dir, "node.json", { node: { data_dir: "./data", log_level: "none" }, modules: [] })
      const result = yield* Effect.either(workflowRunHandler({
        template: "morning-briefing",
        config: Option.some(file),
        json: false,
        params: Option.none(),
        runId: Option.some("anything")
      }, silent))
      expect(Either.isLeft(result) ? result.left.message : "").toContain("Known runs: (none)")
    }).pipe(Effect.provide(NodeContext.layer)))
})
