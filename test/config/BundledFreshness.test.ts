/**
 * The rebuild hint: a bundled module whose archive is missing or older than its sources, or a module
 * folder the last build did not see, is reported with the fix ("npm run build").
 */
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { BundledModule } from "../../src/config/Bundled.js"
import { archiveStaleness, BUILD_STAMP, unbuiltModuleFolder } from "../../src/config/BundledFreshness.js"
import { REPO_ROOT } from "../support/Fixture.js"
import { tempDir, writeFile } from "../support/TempFiles.js"

const provided = <A>(effect: Effect.Effect<A, never, NodeContext.NodeContext>) => Effect.provide(effect, NodeContext.layer)

/** A module folder with one source and a build folder for its archive, all dated by the test. */
const layout = (dir: string) => {
  const cwd = Path.join(dir, "src", "thing")
  const source = writeFile(cwd, "main.py", "print('hi')\n")
  writeFile(cwd, "tests/test_main.py", "")
  const pyz = Path.join(dir, "out", "thing.pyz")
  const built = new BundledModule({ pyz, cwd, module_id: "thing", module_version: "0.1.0", hooks: [] })
  return { source, pyz, built, stamp: Path.join(dir, "out", BUILD_STAMP) }
}

// Dates well after the SDK's sources were written, so only the test's own files decide.
const later = (minutes: number) => new Date(Date.now() + minutes * 60_000)
const dated = (file: string, at: Date) => Fs.utimesSync(file, at, at)

describe("bundled archive freshness", () => {
  it.scoped("reports a missing archive with the fix", () =>
    Effect.gen(function*() {
      const { built } = layout(yield* tempDir)
      const stale = yield* provided(archiveStaleness("thing", built))
      expect(Option.getOrElse(stale, () => "")).toMatch(/the archive of "thing" \(.*thing\.pyz\) is missing: run "npm run build"/)
    }))

  it.scoped("reports an archive older than a source, and not once a build has renewed the stamp", () =>
    Effect.gen(function*() {
      const { source, pyz, built, stamp } = layout(yield* tempDir)
      writeFile(Path.dirname(pyz), "thing.pyz", "archive")
      dated(pyz, later(1))
      dated(source, later(2))
      const stale = yield* provided(archiveStaleness("thing", built))
      expect(Option.getOrElse(stale, () => "")).toBe(`the archive of "thing" is older than ${source}: run "npm run build" (it rebuilds the modules' .pyz archives)`)
      // A build that found nothing to change leaves the archive alone but rewrites the stamp.
      writeFile(Path.dirname(pyz), BUILD_STAMP, "1 modules checked\n")
      dated(stamp, later(3))
      expect(Option.isNone(yield* provided(archiveStaleness("thing", built)))).toBe(true)
    }))

  it.scoped("ignores tests, which the archive never holds", () =>
    Effect.gen(function*() {
      const { pyz, built, source } = layout(yield* tempDir)
      writeFile(Path.dirname(pyz), "thing.pyz", "archive")
      dated(source, later(1))
      dated(pyz, later(2))
      dated(Path.join(built.cwd, "tests", "test_main.py"), later(3))
      expect(Option.isNone(yield* provided(archiveStaleness("thing", built)))).toBe(true)
    }))

  it.effect("tells a module folder the build has not seen from a name that is simply wrong", () =>
    Effect.gen(function*() {
      const echo = yield* provided(unbuiltModuleFolder("echo"))
      expect(Option.getOrElse(echo, () => "")).toBe(
        `"echo" is a module folder (${Path.join(REPO_ROOT, "modules", "examples", "echo")}) that is not built yet: run "npm run build" (it rebuilds the modules' .pyz archives)`
      )
      expect(Option.isNone(yield* provided(unbuiltModuleFolder("no-such-module")))).toBe(true)
    }))
})
