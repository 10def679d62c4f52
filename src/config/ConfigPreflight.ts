/**
 * The preflight of every enabled module's launch (executable, cwd), as config problems. It runs on
 * the raw document too, so a file with schema errors still gets its launch problems in the same
 * pass instead of after the schema errors are fixed.
 */
import { FileSystem, Path } from "@effect/platform"
import { Effect, Either, Option, Schema } from "effect"
import { isJsonObject } from "../contract/Json.js"
import { Launch } from "../contract/ModuleEntry.js"
import { Problem } from "../contract/Problems.js"
import { preflight } from "../supervisor/Preflight.js"
import { resolveLaunch } from "./ConfigLoader.js"
import { needsPython, recordedPython } from "./LaunchExecutable.js"
import type { NodeConfig } from "./NodeConfig.js"

// Just enough of an entry to preflight it; everything else is the full decoder's to judge.
const LaunchOnly = Schema.Struct({ enabled: Schema.optional(Schema.Boolean), launch: Launch })
const decodeLaunchOnly = Schema.decodeUnknownEither(LaunchOnly)

const problemsOf = (index: number, launch: Launch) =>
  Effect.map(preflight(launch), (found) =>
    found.map((problem) => new Problem({ path: `modules[${index}].${problem.field}`, message: `${problem.detail}: ${problem.hint}` })))

/** Preflight problems of a decoded config's enabled modules. */
export const preflightConfig = (config: NodeConfig): Effect.Effect<Array<Problem>> =>
  Effect.map(
    Effect.forEach(config.modules, (entry, index) => (entry.enabled ? problemsOf(index, entry.launch) : Effect.succeed([]))),
    (lists) => lists.flat()
  )

/**
 * Preflight problems of a document that did not decode: each enabled entry whose `launch` decodes
 * on its own (bundled entries are left to the manifest check) is preflighted, paths resolved
 * against the file's folder.
 */
export const preflightDocument = (
  file: string,
  document: unknown
): Effect.Effect<Array<Problem>, never, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const path = yield* Path.Path
    const base = path.dirname(path.resolve(file))
    const modules = isJsonObject(document) && Array.isArray(document["modules"]) ? document["modules"] : []
    const launches = modules.map((entry) => {
      if (!isJsonObject(entry) || "bundled" in entry) return undefined
      const decoded = decodeLaunchOnly(entry)
      return Either.isLeft(decoded) || decoded.right.enabled === false ? undefined : decoded.right.launch
    })
    const python = needsPython(launches.map((launch) => launch?.executable)) ? yield* recordedPython : Option.none<string>()
    const lists = yield* Effect.forEach(launches, (launch, index) => {
      if (launch === undefined) return Effect.succeed([])
      return Either.match(resolveLaunch(launch, base, path, python), {
        onLeft: (message) => Effect.succeed([new Problem({ path: `modules[${index}].launch.executable`, message })]),
        onRight: (resolved) => problemsOf(index, resolved)
      })
    })
    return lists.flat()
  })
