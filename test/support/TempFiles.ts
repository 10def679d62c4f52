/**
 * Private temp folders for config files and module output, removed with the test's scope.
 */
import { Effect, type Scope } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"

/** A fresh temp folder, removed (with everything in it) when the scope closes. */
export const tempDir: Effect.Effect<string, never, Scope.Scope> = Effect.acquireRelease(
  Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "orbiplex-test-"))),
  (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
)

/** Writes `content` (JSON-encoded unless it is a string) to `dir/name`, creating folders; returns the path. */
export const writeFile = (dir: string, name: string, content: unknown): string => {
  const file = Path.join(dir, name)
  Fs.mkdirSync(Path.dirname(file), { recursive: true })
  Fs.writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content, null, 2))
  return file
}
