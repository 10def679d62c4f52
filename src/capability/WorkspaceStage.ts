/**
 * `workspace.stage`: a module's local output, written by the host (CONTRACTS §2.4) under
 * `<data_dir>/workspace/<executor id>/` and nowhere else. Absolute paths and `..` are refused at
 * validation (the intent is rejected with the reason); at run time the host also refuses a folder that
 * a symlink leads out of the workspace, and replaces files atomically (write aside, then rename).
 */
import { FileSystem, Path } from "@effect/platform"
import { createHash, randomUUID } from "node:crypto"
import { Context, Effect, Layer, Schema } from "effect"
import { type Capability, CapabilityFailed, make as makeCapability } from "./Capability.js"

/** A path relative to the module's workspace: `/`-separated, no `.`, `..` or empty segment. */
export const WorkspacePath = Schema.String.pipe(
  Schema.filter((text) => {
    if (text.length === 0) return "is empty: name the file, for example \"out/summary.md\""
    if (text.length > 512) return `is ${text.length} characters long; at most 512 are allowed`
    if (text.includes("\0")) return "holds a NUL character"
    if (text.startsWith("/") || /^[A-Za-z]:/.test(text) || text.startsWith("\\")) {
      return `${JSON.stringify(text)} is absolute: staged files live in the module's workspace; write a relative path such as "out/summary.md"`
    }
    if (text.includes("\\")) return `${JSON.stringify(text)} uses "\\": separate folders with "/"`
    for (const segment of text.split("/")) {
      if (segment === "..") return `${JSON.stringify(text)} climbs out with "..": path traversal is refused; stay inside the workspace`
      if (segment === "." || segment === "") return `${JSON.stringify(text)} has an empty or "." segment: write a plain path such as "out/summary.md"`
      if (segment.length > 255) return "has a segment longer than 255 characters"
    }
    return true
  })
).annotations({ identifier: "WorkspacePath" })

/** What a module asks to stage. */
export const StageInput = Schema.Struct({
  path: WorkspacePath,
  content: Schema.String,
  encoding: Schema.optionalWith(Schema.Literal("utf8", "base64"), { exact: true }),
  overwrite: Schema.optionalWith(Schema.Boolean, { exact: true })
}).pipe(
  Schema.filter((input) =>
    input.encoding !== "base64" || /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(input.content) ||
    { path: ["content"], message: "is not base64: encode the bytes as standard base64, or use encoding \"utf8\"" }
  )
)
/** What a module asks to stage. */
export type StageInput = typeof StageInput.Type

/** What the module gets back: the path as staged (relative to its workspace), the size and the SHA-256. */
export const StageOutput = Schema.Struct({
  path: Schema.String,
  bytes: Schema.NonNegativeInt,
  sha256: Schema.String
})

/** Where and how much the capability writes. */
export interface StageSettings {
  /** The node's data folder (absolute). */
  readonly dataDir: string
  /** Largest file a module may stage, in bytes (default 8 MiB). */
  readonly maxBytes?: number
}

/** The `workspace.stage` capability service. */
export class WorkspaceStage extends Context.Tag("orbiplex/capability/WorkspaceStage")<WorkspaceStage, Capability>() {}

const CAPABILITY_ID = "workspace.stage"

/** Builds the capability over the platform file system. */
export const make = (settings: StageSettings): Effect.Effect<Capability, never, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const maxBytes = settings.maxBytes ?? 8 * 1024 * 1024
    const fail = (detail: string) => new CapabilityFailed({ capability: CAPABILITY_ID, detail })
    const io = <A, E extends { readonly message: string }>(what: string, effect: Effect.Effect<A, E>) =>
      Effect.mapError(effect, (error) => fail(`${what}: ${error.message}`))
    const inside = (root: string, candidate: string) => candidate === root || candidate.startsWith(root + path.sep)
    return makeCapability({
      id: CAPABILITY_ID,
      description: "write a file under the node's data folder, in the module's own workspace",
      input: StageInput,
      output: StageOutput,
      run: (input, context) =>
        Effect.gen(function*() {
          const bytes = input.encoding === "base64"
            ? Buffer.from(input.content, "base64")
            : Buffer.from(input.content, "utf8")
          if (bytes.length > maxBytes) {
            return yield* fail(`${input.path} is ${bytes.length} bytes; a staged file may have at most ${maxBytes}`)
          }
          const root = path.resolve(settings.dataDir, "workspace", context.executorId)
          const target = path.resolve(root, input.path)
          if (!inside(root, target) || target === root) return yield* fail(`${input.path} is not inside the workspace`)
          const folder = path.dirname(target)
          yield* io(`cannot create the folder of ${input.path}`, fs.makeDirectory(folder, { recursive: true }))
          // A symlinked folder could lead out of the workspace: compare real paths before writing.
          const realRoot = yield* io("cannot resolve the workspace", fs.realPath(root))
          const realFolder = yield* io(`cannot resolve the folder of ${input.path}`, fs.realPath(folder))
          if (!inside(realRoot, realFolder)) {
            return yield* fail(`the folder of ${input.path} leads out of the workspace through a symlink; refused`)
          }
          const finalPath = path.join(realFolder, path.basename(target))
          if (input.overwrite === false) {
            // O_EXCL: fails when anything, even a dangling symlink, is already there.
            yield* io(`cannot create ${input.path} (it may already exist; set overwrite to replace it)`, fs.writeFile(finalPath, bytes, { flag: "wx" }))
          } else {
            const aside = `${finalPath}.staging-${randomUUID()}`
            yield* io(`cannot write ${input.path}`, fs.writeFile(aside, bytes, { flag: "wx" }))
            yield* io(`cannot replace ${input.path}`, fs.rename(aside, finalPath)).pipe(
              Effect.tapError(() => Effect.ignore(fs.remove(aside)))
            )
          }
          return {
            path: input.path,
            bytes: bytes.length,
            sha256: createHash("sha256").update(bytes).digest("hex")
          }
        })
    })
  })

/** Where the node's `workspace.stage` writes, and how much (from the data folder and the `capabilities` section). */
export class WorkspaceStageSettings extends Context.Tag("orbiplex/WorkspaceStageSettings")<WorkspaceStageSettings, StageSettings>() {}

/** The capability with the node's settings. */
export const capability: Effect.Effect<Capability, never, WorkspaceStageSettings | FileSystem.FileSystem | Path.Path> = Effect.flatMap(
  WorkspaceStageSettings,
  (settings) => make(settings)
)

/** The capability as a layer. */
export const layer = (settings: StageSettings): Layer.Layer<WorkspaceStage, never, FileSystem.FileSystem | Path.Path> =>
  Layer.effect(WorkspaceStage, make(settings))
