/**
 * The launcher's compile cache (src/launch/): the bin's first run of a command writes V8's code
 * cache, later runs use it without rewriting it, a damaged or foreign cache is replaced and never
 * breaks a command, `off` writes nothing, and caches of other builds of the same installation and
 * command are removed while other installations' stay.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as CompileCache from "../../src/launch/CompileCache.js"
import { runCli } from "../support/Cli.js"
import { BIN } from "../support/Fixture.js"
import { tempDir } from "../support/TempFiles.js"

const BUNDLE = Path.join(Path.dirname(BIN), "orbiplex.cjs")

const cacheFiles = (dir: string) => Fs.readdirSync(dir).filter((name) => name.endsWith(".bin")).sort()

const withCache = (dir: string): NodeJS.ProcessEnv => ({ ...process.env, [CompileCache.ENV_VAR]: dir })

describe("the compile cache", () => {
  it.scopedLive("is written by a command's first run and used, unchanged, by the next", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const first = yield* runCli(["--help"], withCache(dir))
      expect(first.code).toBe(0)
      const [written] = cacheFiles(dir)
      expect(written).toMatch(/^orbiplex-[0-9a-f]{12}-other-.+\.bin$/)
      const file = Path.join(dir, written ?? "")
      const before = Fs.statSync(file)
      expect(before.mode & 0o777).toBe(0o600)
      expect(Fs.statSync(dir).mode & 0o777).toBe(0o700)

      const second = yield* runCli(["--help"], withCache(dir))
      expect(second.stdout).toBe(first.stdout)
      expect(Fs.statSync(file).mtimeMs).toBe(before.mtimeMs)

      // Another command gets a cache of its own.
      const validate = yield* runCli(["validate", "--config", "orbiplex.json"], withCache(dir))
      expect(validate.code).toBe(0)
      expect(cacheFiles(dir).some((name) => name.includes("-validate-"))).toBe(true)
    }))

  it.scopedLive("replaces a damaged cache, and the command runs as if there were none", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = CompileCache.cacheFile(dir, BUNDLE, Fs.statSync(BUNDLE), ["--help"])
      Fs.mkdirSync(dir, { recursive: true })
      Fs.writeFileSync(file, "not a code cache")
      const run = yield* runCli(["--help"], withCache(dir))
      expect(run.code).toBe(0)
      expect(run.stdout).toContain("orbiplex")
      expect(Fs.statSync(file).size).toBeGreaterThan(100_000)
    }))

  it.scopedLive("off writes nothing; an unwritable folder only costs the compile", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const off = yield* runCli(["--help"], { ...process.env, [CompileCache.ENV_VAR]: "off", HOME: dir, XDG_CACHE_HOME: dir })
      expect(off.code).toBe(0)
      expect(Fs.readdirSync(dir)).toEqual([])

      // A file where the folder should be: mkdir fails, the command does not.
      const blocked = Path.join(dir, "blocked")
      Fs.writeFileSync(blocked, "")
      const run = yield* runCli(["--help"], withCache(blocked))
      expect(run.code).toBe(0)
      expect(run.stderr).toBe("")
    }))

  it.scopedLive("a new build's cache removes the same installation's older ones of that command only", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const current = CompileCache.cacheFile(dir, BUNDLE, Fs.statSync(BUNDLE), ["status"])
      const [installation] = Path.basename(current).slice("orbiplex-".length).split("-")
      const older = Path.join(dir, `orbiplex-${installation}-status-11.0.0-old-build.bin`)
      const otherCommand = Path.join(dir, `orbiplex-${installation}-start-11.0.0-old-build.bin`)
      const otherInstallation = Path.join(dir, "orbiplex-000000000000-status-11.0.0-old-build.bin")
      for (const file of [older, otherCommand, otherInstallation]) Fs.writeFileSync(file, "")
      CompileCache.write(current, Buffer.from("cache"))
      expect(cacheFiles(dir)).toEqual([otherInstallation, Path.basename(current), otherCommand].map((f) => Path.basename(f)).sort())
    }))

  it("lives in the user's own cache folder unless told otherwise", () => {
    expect(CompileCache.cacheFolder({ HOME: "/home/op" })).toBe("/home/op/.cache/orbiplex")
    expect(CompileCache.cacheFolder({ HOME: "/home/op", XDG_CACHE_HOME: "/var/cache/op" })).toBe("/var/cache/op/orbiplex")
    expect(CompileCache.cacheFolder({ HOME: "/home/op", [CompileCache.ENV_VAR]: "/srv/cache" })).toBe("/srv/cache")
    expect(CompileCache.cacheFolder({ HOME: "/home/op", [CompileCache.ENV_VAR]: "off" })).toBeUndefined()
  })
})
