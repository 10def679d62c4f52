/**
 * Moves the runs a node kept as JSON files (`<data_dir>/workflows/*.json`, before the store) into
 * the store, on the first start with a store. Once: the store remembers it did (`node_meta`), so a
 * later start does not read the folder again. Idempotent: a run already in the store is left as it
 * is, so an import interrupted half-way is simply run again. The files are left in place.
 */
import { FileSystem } from "@effect/platform"
import * as SqlClient from "@effect/sql/SqlClient"
import { Effect, Either, Layer, Schema } from "effect"
import * as Path from "node:path"
import { failedAs, reasonOf, StoreFailed } from "./StoreError.js"
import { StoredRun, WorkflowRunRepo } from "./WorkflowRunRepo.js"

/** The `node_meta` key recording that the JSON runs were imported. */
export const IMPORTED_KEY = "import.workflow_json"

/** What an import did. `skipped`: already imported before (nothing was read). */
export interface ImportSummary {
  readonly skipped: boolean
  readonly imported: ReadonlyArray<string>
  readonly present: ReadonlyArray<string>
  readonly unreadable: ReadonlyArray<string>
}

const decodeRun = Schema.decodeUnknownEither(Schema.parseJson(StoredRun))

const listJson = (fs: FileSystem.FileSystem, dir: string) =>
  fs.readDirectory(dir).pipe(
    Effect.map((names) => names.filter((name) => name.endsWith(".json")).sort()),
    // No folder: this node never ran a workflow from files.
    Effect.catchIf((error) => error._tag === "SystemError" && error.reason === "NotFound", () => Effect.succeed([])),
    Effect.mapError((error) =>
      new StoreFailed({ operation: `import workflow runs from ${dir}`, reason: `${reasonOf(error)}; check node.data_dir` })
    )
  )

/** Imports the JSON runs under `dataDir` unless the store did so before. */
export const importJsonRuns = (dataDir: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const sql = yield* SqlClient.SqlClient
    const runs = yield* WorkflowRunRepo
    const marked = yield* sql`SELECT meta_value FROM node_meta WHERE meta_key = ${IMPORTED_KEY}`.pipe(failedAs("read node_meta"))
    if (marked.length > 0) return { skipped: true, imported: [], present: [], unreadable: [] } satisfies ImportSummary
    const dir = Path.join(dataDir, "workflows")
    const imported: Array<string> = []
    const present: Array<string> = []
    const unreadable: Array<string> = []
    for (const name of yield* listJson(fs, dir)) {
      const file = Path.join(dir, name)
      const text = yield* Effect.either(fs.readFileString(file))
      const run = Either.flatMap(Either.mapLeft(text, reasonOf), (content) => Either.mapLeft(decodeRun(content), reasonOf))
      if (Either.isLeft(run)) {
        yield* Effect.logWarning(`workflow import: ${file} was not imported (${run.left}); it is left as it is`)
        unreadable.push(name)
        continue
      }
      const inserted = yield* runs.insertIfAbsent(run.right)
      ;(inserted ? imported : present).push(run.right.run_id)
    }
    const now = new Date().toISOString()
    yield* sql`INSERT INTO node_meta (meta_key, meta_value) VALUES (${IMPORTED_KEY}, ${now}) ON CONFLICT (meta_key) DO NOTHING`
      .pipe(failedAs("write node_meta"))
    if (imported.length > 0) yield* Effect.logInfo(`workflow import: ${imported.length} runs moved from ${dir} into the store`)
    return { skipped: false, imported, present, unreadable } satisfies ImportSummary
  })

/** The import as a step of starting the store. */
export const layer = (dataDir: string): Layer.Layer<never, StoreFailed, SqlClient.SqlClient | WorkflowRunRepo | FileSystem.FileSystem> =>
  Layer.effectDiscard(importJsonRuns(dataDir))
