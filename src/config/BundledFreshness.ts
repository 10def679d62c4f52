/**
 * Whether a bundled module's archive is what its sources say: `npm run build` turns modules/ into
 * .pyz files, and a module added or edited since then would otherwise start from an archive that is
 * missing or old, with nothing pointing at the fix. `validate` and `start` report it with the fix.
 */
import { FileSystem, Path } from "@effect/platform"
import { Effect, Option } from "effect"
import type { BundledModule } from "./Bundled.js"
import { packageRoot, sdkPythonFolder } from "./Bundled.js"

/** The file every `npm run build` rewrites beside the archives (modules/build.py `STAMP_NAME`). */
export const BUILD_STAMP = "last-build"

const REBUILD = "run \"npm run build\" (it rebuilds the modules' .pyz archives)"

// The same exclusions as modules/build.py: what is never packed cannot make an archive old.
const SKIPPED_FOLDERS = new Set(["__pycache__", "tests", "test", "node_modules", "build", "dist"])
const isTestFile = (name: string): boolean => name.startsWith("test_") || name.endsWith("_test.py") || name === "conftest.py"

const isPackedSource = (relative: string, path: Path.Path): boolean => {
  const parts = relative.split(path.sep)
  const name = parts[parts.length - 1] ?? ""
  const inSkipped = parts.slice(0, -1).some((part) => part.startsWith(".") || SKIPPED_FOLDERS.has(part))
  return !inSkipped && !isTestFile(name) && (name.endsWith(".py") || name === "module.json")
}

const mtimeOf = (file: string) =>
  Effect.flatMap(FileSystem.FileSystem, (fs) => fs.stat(file)).pipe(
    Effect.map((info) => Option.map(info.mtime, (date) => date.getTime())),
    Effect.orElseSucceed(() => Option.none<number>())
  )

/** The newest packed source under `folder` (absolute path and mtime), if any. */
const newestSource = (folder: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const names = yield* fs.readDirectory(folder, { recursive: true }).pipe(Effect.orElseSucceed(() => []))
    let newest: Option.Option<{ readonly file: string; readonly mtime: number }> = Option.none()
    for (const relative of names.filter((name) => isPackedSource(name, path))) {
      const file = path.join(folder, relative)
      const mtime = yield* mtimeOf(file)
      if (Option.isSome(mtime) && (Option.isNone(newest) || mtime.value > newest.value.mtime)) {
        newest = Option.some({ file, mtime: mtime.value })
      }
    }
    return newest
  })

/**
 * Why the archive of bundled module `name` cannot be trusted (missing, or older than a source of
 * the module or of the SDK it packs), with the fix; none when it is current.
 */
export const archiveStaleness = (name: string, built: BundledModule): Effect.Effect<Option.Option<string>, never, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const path = yield* Path.Path
    const archiveTime = yield* mtimeOf(built.pyz)
    if (Option.isNone(archiveTime)) return Option.some(`the archive of "${name}" (${built.pyz}) is missing: ${REBUILD}`)
    // A build that changed nothing keeps the archive's mtime but renews the stamp.
    const stampTime = yield* mtimeOf(path.join(path.dirname(built.pyz), BUILD_STAMP))
    const builtAt = Math.max(archiveTime.value, Option.getOrElse(stampTime, () => 0))
    const sdk = yield* sdkPythonFolder
    const folders = [built.cwd, ...Option.toArray(Option.map(sdk, (folder) => path.join(folder, "orbiplex_sdk")))]
    for (const folder of folders) {
      const newest = yield* newestSource(folder)
      if (Option.isSome(newest) && newest.value.mtime > builtAt) {
        return Option.some(`the archive of "${name}" is older than ${newest.value.file}: ${REBUILD}`)
      }
    }
    return Option.none()
  })

/**
 * For a name the manifest lacks: whether modules/ holds a module folder of that name, i.e. one
 * added since the last build (then the fix is a build, not a different name).
 */
export const unbuiltModuleFolder = (name: string): Effect.Effect<Option.Option<string>, never, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const root = yield* packageRoot
    if (Option.isNone(root)) return Option.none()
    const modules = path.join(root.value, "modules")
    const names = yield* fs.readDirectory(modules, { recursive: true }).pipe(Effect.orElseSucceed(() => []))
    const found = names.find((relative) => {
      const parts = relative.split(path.sep)
      return parts.length >= 2 && parts[parts.length - 1] === "module.json" && parts[parts.length - 2] === name &&
        !parts.some((part) => SKIPPED_FOLDERS.has(part) || part.startsWith("."))
    })
    return Option.map(Option.fromNullable(found), (relative) =>
      `"${name}" is a module folder (${path.dirname(path.join(modules, relative))}) that is not built yet: ${REBUILD}`)
  })
