/**
 * Loads a node config file: parse, expand bundled modules, decode with every default, resolve
 * relative paths against the file's folder, and check what a schema alone cannot (unique ids,
 * explicit executables). Every problem is collected before the file is refused.
 */
import { FileSystem, Path } from "@effect/platform"
import { Effect, Either, Option, Schema } from "effect"
import { isJsonObject, type Json, type JsonObject, parseJsonText } from "../contract/Json.js"
import { Launch, ModuleEntry } from "../contract/ModuleEntry.js"
import { Problem, problemsOf } from "../contract/Problems.js"
import { type BundledManifest, loadManifest, sdkPythonFolder } from "./Bundled.js"
import { archiveStaleness, unbuiltModuleFolder } from "./BundledFreshness.js"
import { needsPython, recordedPython, resolveExecutable } from "./LaunchExecutable.js"
import * as HookRegistry from "../middleware/HookRegistry.js"
import { ConfigInvalid, ConfigUnreadable } from "./ConfigError.js"
import { NodeConfig, NodeSettings } from "./NodeConfig.js"

const decodeConfig = Schema.decodeUnknownEither(NodeConfig, { errors: "all", onExcessProperty: "error" })

/** Fills `launch`, `module_id` and `component_id` of `{"bundled": "dator"}` entries from the build manifest. */
const expandBundled = (
  entry: JsonObject,
  index: number,
  manifest: BundledManifest
): Either.Either<JsonObject, Problem> => {
  const name = entry["bundled"]
  const { bundled: _bundled, ...rest } = entry
  if (typeof name !== "string") {
    return Either.left(new Problem({ path: `modules[${index}].bundled`, message: "must be a bundled module name" }))
  }
  const built = manifest.modules[name]
  if (built === undefined) {
    const known = Object.keys(manifest.modules).join(", ")
    return Either.left(
      new Problem({
        path: `modules[${index}].bundled`,
        message: `"${name}" is not a bundled module; the build has: ${known}`
      })
    )
  }
  const env = isJsonObject(entry["env"]) ? entry["env"] : {}
  const { env: _env, ...withoutEnv } = rest
  const launch: Json = { executable: manifest.python, args: [built.pyz], cwd: built.cwd, env }
  return Either.right({
    // `{"bundled": "echo"}` alone is a whole entry (README): the executor id defaults to the name.
    id: name,
    module_id: built.module_id,
    component_id: `middleware.${typeof entry["id"] === "string" ? entry["id"] : name}`,
    hooks: [...built.hooks],
    launch,
    ...withoutEnv
  })
}

/**
 * A launch with its executable and cwd resolved against `base` (the config file's folder) and a
 * `$python` / `$node` replaced by its interpreter, or why the executable cannot be resolved.
 */
export const resolveLaunch = (launch: Launch, base: string, path: Path.Path, python: Option.Option<string>): Either.Either<Launch, string> =>
  Either.map(
    resolveExecutable(launch.executable, base, path, python),
    (executable) => new Launch({ ...launch, executable, cwd: path.resolve(base, launch.cwd) })
  )

const isBundled = (entry: unknown): boolean => isJsonObject(entry) && "bundled" in entry

/**
 * The launch with the bundled SDK's folder appended to its PYTHONPATH (after any the entry sets,
 * so a module's own copy wins), so a module outside the repository can `import orbiplex_sdk`.
 * Bundled entries are left alone: their archive carries its own SDK.
 */
export const withSdkPath = (launch: Launch, sdk: Option.Option<string>): Launch => {
  if (Option.isNone(sdk)) return launch
  const own = launch.env["PYTHONPATH"]
  const entries = own === undefined || own === "" ? [] : own.split(":")
  if (entries.includes(sdk.value)) return launch
  return new Launch({ ...launch, env: { ...launch.env, PYTHONPATH: [...entries, sdk.value].join(":") } })
}

const crossChecks = (config: NodeConfig): Array<Problem> => {
  const problems: Array<Problem> = []
  const seen = new Map<string, number>()
  config.modules.forEach((entry, index) => {
    const earlier = seen.get(entry.id)
    if (earlier !== undefined) {
      problems.push(
        new Problem({
          path: `modules[${index}].id`,
          message: `"${entry.id}" is already the id of modules[${earlier}]: executor ids must be unique`
        })
      )
    }
    seen.set(entry.id, index)
  })
  return problems
}

/** Decodes a config document (already parsed JSON) found in folder `base`. */
export const decodeNodeConfig = Effect.fn("ConfigLoader.decode")(function*(file: string, document: unknown) {
  const path = yield* Path.Path
  const base = path.dirname(path.resolve(file))
  if (!isJsonObject(document)) {
    return yield* new ConfigInvalid({
      file,
      problems: [new Problem({ path: "(document)", message: "must be a JSON object with \"node\" and \"modules\"" })]
    })
  }
  const problems: Array<Problem> = []
  const rawModules = Array.isArray(document["modules"]) ? document["modules"] : []
  const needsManifest = rawModules.some(isBundled)
  const manifest = needsManifest ? yield* Effect.either(loadManifest) : undefined
  // Entries whose bundled name is wrong are reported once, not again for every field they lack.
  const unexpandable = new Set<number>()
  const modules = yield* Effect.forEach(rawModules, (entry, index) =>
    Effect.gen(function*() {
      if (!isJsonObject(entry) || !isBundled(entry) || manifest === undefined) return entry
      const expanded = Either.flatMap(manifest, (built) => expandBundled(entry, index, built))
      const name = entry["bundled"]
      if (Either.isRight(expanded)) {
        // The entry is fine, but the archive it names may be missing or older than its sources.
        const built = Either.isRight(manifest) && typeof name === "string" ? manifest.right.modules[name] : undefined
        const stale = built === undefined || typeof name !== "string" ? Option.none() : yield* archiveStaleness(name, built)
        if (Option.isSome(stale)) problems.push(new Problem({ path: `modules[${index}].bundled`, message: stale.value }))
        return expanded.right
      }
      // A name the build does not know may be a module folder added since the last build.
      const unbuilt = Either.isRight(manifest) && typeof name === "string" ? yield* unbuiltModuleFolder(name) : Option.none()
      const problem = Option.match(unbuilt, {
        onNone: () => expanded.left,
        onSome: (message) => new Problem({ path: expanded.left.path, message })
      })
      if (!problems.some((known) => known.path === problem.path && known.message === problem.message)) problems.push(problem)
      unexpandable.add(index)
      return entry
    }))
  const decoded = decodeConfig(Array.isArray(document["modules"]) ? { ...document, modules } : document)
  if (Either.isLeft(decoded)) {
    const decodeProblems = problemsOf(decoded.left).filter((problem) =>
      ![...unexpandable].some((index) => problem.path.startsWith(`modules[${index}]`)) &&
      !(unexpandable.size > 0 && problem.path === "modules")
    )
    return yield* new ConfigInvalid({ file, problems: [...problems, ...decodeProblems] })
  }
  const config = decoded.right
  problems.push(...crossChecks(config), ...HookRegistry.configProblems(config))
  const python = needsPython(config.modules.map((entry) => entry.launch.executable)) ? yield* recordedPython : Option.none<string>()
  const sdk = config.modules.length > 0 ? yield* sdkPythonFolder : Option.none<string>()
  const resolvedModules = config.modules.map((entry, index) =>
    Either.match(Either.map(resolveLaunch(entry.launch, base, path, python), (launch) => isBundled(rawModules[index]) ? launch : withSdkPath(launch, sdk)), {
      onLeft: (message) => {
        problems.push(new Problem({ path: `modules[${index}].launch.executable`, message }))
        return entry
      },
      onRight: (launch) => new ModuleEntry({ ...entry, launch })
    })
  )
  if (problems.length > 0) return yield* new ConfigInvalid({ file, problems })
  return new NodeConfig({
    ...config,
    node: new NodeSettings({ ...config.node, data_dir: path.resolve(base, config.node.data_dir) }),
    modules: resolvedModules
  })
})


/** Reads a node config file and parses its JSON (not yet decoded). */
export const readConfigDocument = Effect.fn("ConfigLoader.read")(function*(file: string) {
  const fs = yield* FileSystem.FileSystem
  const text = yield* fs.readFileString(file).pipe(
    Effect.mapError((error) =>
      new ConfigUnreadable({
        file,
        reason: `${error.message}. Check the path (pass it with --config or ORBIPLEX_CONFIG)`
      })
    )
  )
  return yield* Either.match(parseJsonText(text), {
    onLeft: (reason) => Effect.fail(new ConfigUnreadable({ file, reason: `not valid JSON (${reason}); fix the syntax` })),
    onRight: Effect.succeed
  })
})

/** Reads and decodes a node config file; relative paths resolve against its folder. */
export const loadNodeConfig = Effect.fn("ConfigLoader.load")(function*(file: string) {
  const document = yield* readConfigDocument(file)
  return yield* decodeNodeConfig(file, document)
})
