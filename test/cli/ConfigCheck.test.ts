/**
 * The one check `validate` and `start` share, in process: schema and preflight problems in one
 * pass, and a good config answered decoded.
 */
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { checkConfig } from "../../src/cli/ConfigCheck.js"
import { fixtureEntryJson } from "../support/Fixture.js"
import { tempDir, writeFile } from "../support/TempFiles.js"

describe("config check", () => {
  it.scopedLive("lists schema and preflight problems together", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = writeFile(dir, "node.json", {
        modules: [
          { ...fixtureEntryJson("bad", "ok"), http: { endpoint: "http://192.168.1.10:80" } },
          fixtureEntryJson("gone", "ok", { launch: { executable: "./no-such-python", cwd: "./nowhere" } }),
          { ...fixtureEntryJson("off", "ok", { launch: { executable: "/nonexistent" } }), enabled: false }
        ]
      })
      const error = yield* Effect.flip(checkConfig(file))
      expect(error._tag).toBe("ConfigInvalid")
      if (error._tag === "ConfigInvalid") {
        expect(error.problems.map((problem) => problem.path)).toEqual([
          "modules[0].http.endpoint",
          "modules[1].launch.executable",
          "modules[1].launch.cwd"
        ])
        expect(error.problems[1]?.message).toContain(`${dir}/no-such-python does not exist`)
      }
    }).pipe(Effect.provide(NodeContext.layer)))

  it.scopedLive("answers the decoded config when nothing is wrong", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = writeFile(dir, "node.json", { modules: [fixtureEntryJson("good", "ok")] })
      const config = yield* checkConfig(file)
      expect(config.modules.map((entry) => entry.id)).toEqual(["good"])
    }).pipe(Effect.provide(NodeContext.layer)))
})
