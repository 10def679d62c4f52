/**
 * `orbiplex validate` as an operator runs it: exit code 0 for a good file, 1 with every problem for a bad one.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Fs from "node:fs"
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

  it.scopedLive("lists schema and preflight problems in one pass, and start refuses the same file with the same list", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const notExecutable = writeFile(dir, "plain.txt", "just text")
      Fs.chmodSync(notExecutable, 0o644)
      const file = writeFile(dir, "node.json", {
        modules: [
          { ...fixtureEntryJson("bad", "ok"), stop: { grace_ms: "soon" } },
          fixtureEntryJson("gone", "ok", { launch: { executable: "/nonexistent/python3" } }),
          fixtureEntryJson("plain", "ok", { launch: { executable: notExecutable, cwd: "./missing-folder" } })
        ]
      })
      const expected = [
        "  - modules[0].stop.grace_ms: ",
        "  - modules[1].launch.executable: /nonexistent/python3 does not exist",
        `  - modules[2].launch.executable: ${notExecutable} is not an executable file`,
        `  - modules[2].launch.cwd: ${dir}/missing-folder is not a folder`
      ]
      const validated = yield* runCli(["validate", "--config", file])
      expect(validated.code).toBe(1)
      expect(validated.stderr).toContain(`config file ${file} has 4 problems; nothing was started`)
      for (const line of expected) expect(validated.stderr).toContain(line)

      const started = yield* runCli(["start", "--config", file])
      expect(started.code).toBe(1)
      expect(started.stderr).toContain(`config file ${file} has 4 problems; nothing was started`)
      for (const line of expected) expect(started.stderr).toContain(line)
      expect(started.stderr).not.toContain("starting")
    }))

  it.scopedLive("start refuses a config whose only problem is preflight", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = writeFile(dir, "node.json", {
        modules: [fixtureEntryJson("gone", "ok", { launch: { cwd: "/nonexistent/folder" } })]
      })
      const started = yield* runCli(["start", "--config", file])
      expect(started.code).toBe(1)
      expect(started.stderr).toContain("  - modules[0].launch.cwd: /nonexistent/folder is not a folder")
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
