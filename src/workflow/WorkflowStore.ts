/**
 * Durable workflow state: one JSON file per workflow instance under `<data_dir>/workflows/`,
 * replaced atomically (write a temp file, fsync, rename), so a crash of Arca or of the host never
 * leaves a half-written state and never loses a step the host already recorded.
 */
import { Context, Data, Effect, Layer, Option } from "effect"
import * as Fs from "node:fs/promises"
import * as Path from "node:path"
import type { JsonObject } from "../contract/Json.js"
import { isJsonObject } from "../contract/Json.js"

/** Reading or writing a workflow's file failed. */
export class WorkflowStoreError extends Data.TaggedError("WorkflowStoreError")<{
  readonly workflowId: string
  readonly reason: string
}> {
  get message(): string {
    return `cannot persist workflow ${this.workflowId}: ${this.reason} (check node.data_dir)`
  }
}

/** The store of workflow instances. */
export class WorkflowStore extends Context.Tag("orbiplex/WorkflowStore")<WorkflowStore, {
  /** Writes the whole instance; returns once it is durable. */
  readonly save: (workflowId: string, instance: JsonObject) => Effect.Effect<void, WorkflowStoreError>
  /** The last saved instance, if any. */
  readonly load: (workflowId: string) => Effect.Effect<Option.Option<JsonObject>, WorkflowStoreError>
  /** Ids of every saved instance. */
  readonly list: Effect.Effect<ReadonlyArray<string>, WorkflowStoreError>
}>() {}

const safeId = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/

/** A store under `<dataDir>/workflows`. */
export const make = (dataDir: string) => {
  const dir = Path.join(dataDir, "workflows")
  const fileOf = (workflowId: string) =>
    safeId.test(workflowId)
      ? Effect.succeed(Path.join(dir, `${workflowId}.json`))
      : Effect.fail(new WorkflowStoreError({ workflowId, reason: "the id must be letters, digits, '.', '_' or '-'" }))
  const attempt = <A>(workflowId: string, run: () => Promise<A>) =>
    Effect.tryPromise({
      try: run,
      catch: (error) => new WorkflowStoreError({ workflowId, reason: error instanceof Error ? error.message : String(error) })
    })
  return WorkflowStore.of({
    save: (workflowId, instance) =>
      Effect.flatMap(fileOf(workflowId), (file) =>
        attempt(workflowId, async () => {
          await Fs.mkdir(dir, { recursive: true })
          const temp = `${file}.${process.pid}.tmp`
          const handle = await Fs.open(temp, "w", 0o600)
          try {
            await handle.writeFile(JSON.stringify(instance, null, 2))
            await handle.sync()
          } finally {
            await handle.close()
          }
          await Fs.rename(temp, file)
        })),
    load: (workflowId) =>
      Effect.gen(function*() {
        const file = yield* fileOf(workflowId)
        const text = yield* Effect.tryPromise({
          try: () => Fs.readFile(file, "utf8"),
          catch: (error) => error
        }).pipe(
          Effect.map(Option.some),
          // No file yet is an ordinary answer: the run was never saved.
          Effect.catchIf(
            (error) => error instanceof Error && "code" in error && error.code === "ENOENT",
            () => Effect.succeedNone
          ),
          Effect.mapError((error) =>
            new WorkflowStoreError({ workflowId, reason: error instanceof Error ? error.message : String(error) })
          )
        )
        if (Option.isNone(text)) return Option.none()
        const parsed = yield* Effect.try({
          try: (): unknown => JSON.parse(text.value),
          catch: () => new WorkflowStoreError({ workflowId, reason: `${file} is not valid JSON` })
        })
        if (!isJsonObject(parsed)) {
          return yield* new WorkflowStoreError({ workflowId, reason: `${file} does not hold a JSON object` })
        }
        return Option.some(parsed)
      }),
    list: attempt("*", async () => {
      const names = await Fs.readdir(dir).catch(() => [])
      return names.filter((name) => name.endsWith(".json")).map((name) => name.slice(0, -".json".length)).sort()
    })
  })
}

/** The store as a layer over `dataDir`. */
export const layer = (dataDir: string): Layer.Layer<WorkflowStore> => Layer.succeed(WorkflowStore, make(dataDir))
