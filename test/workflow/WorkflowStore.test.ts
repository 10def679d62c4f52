import { describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import * as Fs from "node:fs/promises"
import * as Os from "node:os"
import * as Path from "node:path"
import { make } from "../../src/workflow/WorkflowStore.js"

const tempDir = Effect.acquireRelease(
  Effect.promise(() => Fs.mkdtemp(Path.join(Os.tmpdir(), "orbiplex-store-"))),
  (dir) => Effect.promise(() => Fs.rm(dir, { recursive: true, force: true }))
)

describe("WorkflowStore", () => {
  it.scopedLive("saves, reloads and lists runs; a run never saved is None", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const store = make(dir)
      expect(yield* store.load("run-1")).toEqual(Option.none())
      yield* store.save("run-1", { phase: "news", steps: { a: "done" } })
      yield* store.save("run-1", { phase: "redaction", steps: { a: "done", b: "running" } })
      yield* store.save("run-2", { phase: "news" })
      expect(yield* store.load("run-1")).toEqual(Option.some({ phase: "redaction", steps: { a: "done", b: "running" } }))
      expect(yield* store.list).toEqual(["run-1", "run-2"])
      // Atomic replace: no temp file is left beside the runs.
      expect((yield* Effect.promise(() => Fs.readdir(Path.join(dir, "workflows")))).sort()).toEqual(["run-1.json", "run-2.json"])
    }))

  it.scopedLive("refuses ids that could escape the folder, and reports a corrupt file", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const store = make(dir)
      const escape = yield* Effect.flip(store.save("../outside", {}))
      expect(escape.message).toContain("letters, digits")
      yield* Effect.promise(() => Fs.mkdir(Path.join(dir, "workflows"), { recursive: true }))
      yield* Effect.promise(() => Fs.writeFile(Path.join(dir, "workflows", "broken.json"), "{ not json"))
      const corrupt = yield* Effect.flip(store.load("broken"))
      expect(corrupt.message).toContain("not valid JSON")
    }))
})
