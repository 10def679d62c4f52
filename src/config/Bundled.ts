/**
 * The bundled Python modules (Dator, Arca, the examples) as `npm run build` materialized them:
 * zipapps plus a manifest naming the interpreter by its absolute path, found once at build time,
 * so the host never looks anything up on PATH when it spawns.
 */
import { FileSystem, Path } from "@effect/platform"
import { Effect, Option, Schema } from "effect"
import { fileURLToPath } from "node:url"
import { Problem } from "../contract/Problems.js"

/** One built module in the manifest. */
export class BundledModule extends Schema.Class<BundledModule>("BundledModule")({
  pyz: Schema.String,
  cwd: Schema.String,
  module_id: Schema.String,
  module_version: Schema.String,
  module_name: Schema.optional(Schema.String),
  hooks: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [] })
}) {}

/** `build/modules/manifest.json` */
export class BundledManifest extends Schema.Class<BundledManifest>("BundledManifest")({
  schema_version: Schema.Literal("bundled-modules.v1"),
  python: Schema.String,
  modules: Schema.Record({ key: Schema.String, value: BundledModule })
}) {}

/** Finds the folder of this package (where `package.json` names `orbiplex-node`), from src or dist alike. */
export const packageRoot: Effect.Effect<Option.Option<string>, never, FileSystem.FileSystem | Path.Path> = Effect.gen(
  function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    let dir = path.dirname(fileURLToPath(import.meta.url))
    for (let depth = 0; depth < 8; depth++) {
      const text = yield* fs.readFileString(path.join(dir, "package.json")).pipe(Effect.option)
      if (Option.isSome(text) && text.value.includes("\"name\": \"orbiplex-node\"")) return Option.some(dir)
      const parent = path.dirname(dir)
      if (parent === dir) break
      dir = parent
    }
    return Option.none()
  }
)

const decodeManifest = Schema.decodeUnknownEither(Schema.parseJson(BundledManifest))

/** Reads the manifest, or explains how to produce it. */
export const loadManifest: Effect.Effect<BundledManifest, Problem, FileSystem.FileSystem | Path.Path> = Effect.gen(
  function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const root = yield* packageRoot
    const file = Option.match(root, {
      onNone: () => "build/modules/manifest.json",
      onSome: (dir) => path.join(dir, "build", "modules", "manifest.json")
    })
    const text = yield* fs.readFileString(file).pipe(
      Effect.mapError(() =>
        new Problem({
          path: "bundled",
          message: `the bundled modules are not built (${file} is missing): run "npm run build" (npm install does it)`
        })
      )
    )
    return yield* decodeManifest(text).pipe(
      Effect.mapError(() =>
        new Problem({ path: "bundled", message: `${file} is not a valid manifest: run "npm run build" again` })
      )
    )
  }
)

/**
 * The folder holding the Python SDK package (`orbiplex_sdk`), or none when this package has no
 * SDK source (an install without `modules/`). A module outside the repository imports the SDK
 * from here: the config loader puts it on the module's PYTHONPATH.
 */
export const sdkPythonFolder: Effect.Effect<Option.Option<string>, never, FileSystem.FileSystem | Path.Path> = Effect.gen(
  function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const root = yield* packageRoot
    if (Option.isNone(root)) return Option.none()
    const folder = path.join(root.value, "modules", "sdk", "python")
    const present = yield* fs.exists(path.join(folder, "orbiplex_sdk", "__init__.py")).pipe(Effect.orElseSucceed(() => false))
    return present ? Option.some(folder) : Option.none()
  }
)
