/**
 * The console's static files (src/console: one HTML page, its script and its stylesheet), read once
 * when the operator API starts. They are plain files with no build step; tsc does not copy them,
 * so a compiled node reads them from the package's src/console.
 */
import { FileSystem } from "@effect/platform"
import { Data, Effect } from "effect"
import * as Url from "node:url"

/** One asset: its body and content type. */
export interface ConsoleAsset {
  readonly body: string
  readonly contentType: string
}

/** The console's files, by the path they are served at. */
export type ConsoleAssets = ReadonlyMap<string, ConsoleAsset>

/** The console's files could not be read (a package without src/console). */
export class ConsoleAssetsMissing extends Data.TaggedError("ConsoleAssetsMissing")<{ readonly tried: ReadonlyArray<string> }> {
  override get message(): string {
    return `the web console's files are missing (looked in ${this.tried.join(", ")}): reinstall the package with its src/console folder`
  }
}

// Next to this file when run from source (vitest), ../../src/console from the bundle in dist/cli,
// ../../../src/console from dist/src/operator (the library's compiled modules).
const CANDIDATES = ["../console/", "../../src/console/", "../../../src/console/"]

const FILES: ReadonlyArray<readonly [served: string, file: string, contentType: string]> = [
  ["/", "console.html", "text/html; charset=utf-8"],
  ["/console/console.js", "console.js", "text/javascript; charset=utf-8"],
  ["/console/console.css", "console.css", "text/css; charset=utf-8"]
]

/** Reads the console's files from the first folder that has them. */
export const load: Effect.Effect<ConsoleAssets, ConsoleAssetsMissing, FileSystem.FileSystem> = Effect.gen(function*() {
  const fs = yield* FileSystem.FileSystem
  const folders = CANDIDATES.map((relative) => Url.fileURLToPath(new URL(relative, import.meta.url)))
  for (const folder of folders) {
    if (!(yield* fs.exists(`${folder}console.html`).pipe(Effect.orElseSucceed(() => false)))) continue
    const assets = yield* Effect.forEach(FILES, ([served, file, contentType]) =>
      Effect.map(fs.readFileString(`${folder}${file}`), (body) => [served, { body, contentType }] as const)).pipe(
        Effect.mapError(() => new ConsoleAssetsMissing({ tried: [folder] }))
      )
    return new Map(assets)
  }
  return yield* new ConsoleAssetsMissing({ tried: folders })
})
