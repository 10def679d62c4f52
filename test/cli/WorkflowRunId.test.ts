/**
 * `workflow run --run-id <id>` resumes a stored run; an id no stored run has is an error that lists
 * the stored runs, raised before any module starts (a typo must never start a new, paid run).
 */
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Option } from "effect"
import { workflowRunHandler } from "../../src/cli/WorkflowCommand.js"
import { tempDir, writeFile } from "../support/TempFiles.js"

const silent = { out: () => Effect.void, err: () => Effect.void }

describe("orbiplex workflow run --run-id", () => {
  it.scopedLive("an unknown id is an error listing the stored runs, and nothing starts", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = writeFile(dir, "node.json", { node: { data_dir: "./data", log_level: "none" }, modules: [] })
      writeFile(dir, "data/workflows/briefing-0330.json", {})
      writeFile(dir, "data/workflows/briefing-0331.json", {})
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
