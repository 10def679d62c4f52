/**
 * `orbiplex` run from any folder (as after `npm link`): paths in a config resolve against the
 * config file's folder and the bundled modules are found beside the package, never in the current
 * folder. The built bin runs from one temp folder with `--config` naming a file in another.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { requireBuild, runCli } from "../support/Cli.js"
import { REPO_ROOT } from "../support/Fixture.js"
import { tempDir, writeFile } from "../support/TempFiles.js"

requireBuild()

const GREETER = Path.join(REPO_ROOT, "examples", "modules", "greeter")

describe("orbiplex from another folder", () => {
  it.scopedLive("validates a config elsewhere: an external module by relative paths, and a bundled one", () =>
    Effect.gen(function*() {
      const elsewhere = yield* tempDir
      const configs = yield* tempDir
      Fs.mkdirSync(Path.join(configs, "greeter"))
      for (const name of ["main.py", "module.json", "orbiplex.json"]) {
        Fs.copyFileSync(Path.join(GREETER, name), Path.join(configs, "greeter", name))
      }
      writeFile(configs, "bundled.json", { node: { data_dir: "./state" }, modules: [{ bundled: "echo" }] })
      const relative = Path.relative(elsewhere, configs)
      const external = yield* runCli(["validate", "--config", Path.join(relative, "greeter", "orbiplex.json")], process.env, elsewhere)
      expect(external.stderr).toBe("")
      expect(external.code).toBe(0)
      expect(external.stdout).toContain("valid (1 module(s): middleware.greeter)")
      const bundled = yield* runCli(["validate", "--config", Path.join(relative, "bundled.json")], process.env, elsewhere)
      expect(bundled.stderr).toBe("")
      expect(bundled.code).toBe(0)
      expect(bundled.stdout).toContain("valid (1 module(s): middleware.echo)")
    }))
})
