/**
 * `orbiplex validate` as an operator runs it: exit code 0 for a good file, 1 with every problem for a bad one.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { requireBuild, runCli } from "../support/Cli.js"
import { fixtureEntryJson } from "../support/Fixture.js"
import { tempDir, writeFile } from "../support/TempFiles.js"

requireBuild()

const validate = (document: unknown) =>
  Effect.gen(function*() {
    const dir = yield* tempDir
    const file = writeFile(dir, "node.json", document)
    return { file, run: yield* runCli(["validate", "--config", file]) }
  })

describe("orbiplex validate", () => {
  it.scopedLive("exits 0 and names the modules for a good file (disabled ones too, unchecked)", () =>
    Effect.gen(function*() {
      const { file, run } = yield* validate({
        modules: [
          fixtureEntryJson("good", "ok"),
          { ...fixtureEntryJson("parked", "ok"), enabled: false, launch: { executable: "/nonexistent/python3", cwd: "/nonexistent" } }
        ]
      })
      expect(run.code).toBe(0)
      expect(run.stdout.trim()).toBe(`${file}: valid (2 module(s): middleware.good, middleware.parked (disabled))`)
    }))

  it.scopedLive("exits 1 and lists every schema problem with its path", () =>
    Effect.gen(function*() {
      const { file, run } = yield* validate({
        modules: [{ ...fixtureEntryJson("bad", "ok"), http: { endpoint: "http://192.168.1.10:80" }, stop: { grace_ms: "soon" } }]
      })
      expect(run.code).toBe(1)
      expect(run.stdout).toBe("")
      expect(run.stderr).toContain(`config file ${file} has 2 problems; nothing was started`)
      expect(run.stderr).toContain(`  - modules[0].http.endpoint: "192.168.1.10" is not a loopback address`)
      expect(run.stderr).toContain(`  - modules[0].stop.grace_ms: `)
    }))

  it.scopedLive("exits 1 when preflight fails: a missing executable or working folder", () =>
    Effect.gen(function*() {
      const { run } = yield* validate({
        modules: [fixtureEntryJson("gone", "ok", { launch: { executable: "/nonexistent/python3", cwd: "/nonexistent/folder" } })]
      })
      expect(run.code).toBe(1)
      expect(run.stderr).toContain("  - modules[0].launch.executable: /nonexistent/python3 does not exist")
      expect(run.stderr).toContain("  - modules[0].launch.cwd: /nonexistent/folder is not a folder")
    }))

  it.scopedLive("exits 1 for a file that is missing or not JSON", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const missing = yield* runCli(["validate", "--config", `${dir}/absent.json`])
      expect(missing.code).toBe(1)
      const broken = yield* runCli(["validate", "--config", writeFile(dir, "broken.json", "{ nope")])
      expect(broken.code).toBe(1)
      expect(broken.stderr).toContain("not valid JSON")
    }))

  it.scopedLive("reads the file named by ORBIPLEX_CONFIG when --config is not given", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = writeFile(dir, "node.json", { modules: [fixtureEntryJson("viaenv", "ok")] })
      const run = yield* runCli(["validate"], { ...process.env, ORBIPLEX_CONFIG: file })
      expect(run.code).toBe(0)
      expect(run.stdout).toContain(`${file}: valid (1 module(s): middleware.viaenv)`)
    }))
})
