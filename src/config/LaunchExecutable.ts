/**
 * The one resolution of a launch's `executable`, shared by modules and providers: a path relative
 * to the config file's folder, or a placeholder for an interpreter the host already knows
 * (`$python`: the one `npm run build` recorded; `$node`: the Node.js running the host), so a
 * config never depends on PATH and never hard-codes where Python lives on one machine.
 */
import type { FileSystem, Path } from "@effect/platform"
import { Effect, Either, Option } from "effect"
import { loadManifest } from "./Bundled.js"

/** The placeholder for the Python interpreter recorded in `build/modules/manifest.json`. */
export const PYTHON_PLACEHOLDER = "$python"
/** The placeholder for the Node.js running the host. */
export const NODE_PLACEHOLDER = "$node"

/** Whether any of these executables names `$python` (only then is the manifest read). */
export const needsPython = (executables: ReadonlyArray<string | undefined>): boolean =>
  executables.some((executable) => executable === PYTHON_PLACEHOLDER)

/** The interpreter the build recorded, or none when the bundled modules are not built. */
export const recordedPython: Effect.Effect<Option.Option<string>, never, FileSystem.FileSystem | Path.Path> = Effect.map(
  Effect.either(loadManifest),
  (manifest) => Option.map(Either.getRight(manifest), (built) => built.python)
)

/** `executable` as an absolute path, or why it cannot be one (a `$python` with nothing built). */
export const resolveExecutable = (
  executable: string,
  base: string,
  path: Path.Path,
  python: Option.Option<string>
): Either.Either<string, string> =>
  executable === NODE_PLACEHOLDER
    ? Either.right(process.execPath)
    : executable === PYTHON_PLACEHOLDER
    ? Either.fromOption(python, () => "\"$python\" needs the interpreter the build recorded: run \"npm run build\"")
    : Either.right(path.isAbsolute(executable) ? executable : path.resolve(base, executable))
