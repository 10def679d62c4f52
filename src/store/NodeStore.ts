/**
 * The node's one durable store: SQLite at `<data_dir>/node.db` (WAL) by default, PostgreSQL when
 * the `storage.postgres` section names the environment variable that holds its URL. The layer
 * opens the database, runs the migrations, and provides `SqlClient` to the repositories; closing
 * its scope closes the database.
 */
import { FileSystem } from "@effect/platform"
import { NodeFileSystem } from "@effect/platform-node"
import * as SqlClient from "@effect/sql/SqlClient"
import { Cause, Config, Context, Duration, Effect, Layer } from "effect"
import * as Path from "node:path"
import type { PostgresConfig, StorageConfig } from "../config/StorageConfig.js"
import { migrate, migrations, type StoreMigration } from "./Migrations.js"
import { reasonOf, StoreUnavailable } from "./StoreError.js"

/** Which database backs the store, and where (never the URL: it may carry a password). */
export class NodeStore extends Context.Tag("orbiplex/NodeStore")<NodeStore, {
  readonly dialect: "sqlite" | "pg"
  /** The SQLite file, or `postgres ($VAR)`. */
  readonly location: string
}>() {}

/** The SQLite file of a node. */
export const sqliteFile = (dataDir: string): string => Path.join(dataDir, "node.db")

// Each driver is loaded by the node that uses it only: a SQLite node never parses the PostgreSQL
// client (and the reverse), which is start-up time and memory on every start.
const sqliteDriver = Effect.promise(() => import("@effect/sql-sqlite-node"))
const pgDriver = Effect.promise(() => import("@effect/sql-pg"))

const sqliteLayer = (dataDir: string) => {
  const file = sqliteFile(dataDir)
  const ensureDir = Effect.flatMap(FileSystem.FileSystem, (fs) => fs.makeDirectory(dataDir, { recursive: true })).pipe(
    Effect.mapError((error) =>
      new StoreUnavailable({ store: file, reason: `cannot create ${dataDir} (${reasonOf(error)}); check node.data_dir` })
    )
  )
  const client = Layer.unwrapEffect(Effect.map(sqliteDriver, ({ SqliteClient }) =>
    SqliteClient.layer({ filename: file }).pipe(
      Layer.catchAll((error) => Layer.fail(new StoreUnavailable({ store: file, reason: reasonOf(error) })))
    )))
  return Layer.merge(client, Layer.succeed(NodeStore, NodeStore.of({ dialect: "sqlite", location: file }))).pipe(
    Layer.provide(Layer.effectDiscard(ensureDir).pipe(Layer.provide(NodeFileSystem.layer)))
  )
}

const pgLayer = (settings: PostgresConfig) => {
  const store = `postgres ($${settings.url_env})`
  return Layer.unwrapEffect(Effect.gen(function*() {
    const url = yield* Config.redacted(settings.url_env).pipe(
      Effect.mapError(() =>
        new StoreUnavailable({
          store,
          reason: `the environment variable ${settings.url_env} is not set; export it with the PostgreSQL URL ` +
            `(postgres://user@host:5432/database), or remove "storage.postgres" to use SQLite`
        })
      )
    )
    const { PgClient } = yield* pgDriver
    const client = PgClient.layer({ url, connectTimeout: Duration.seconds(10), applicationName: "orbiplex-node" }).pipe(
      Layer.catchAll((error) =>
        Layer.fail(
          new StoreUnavailable({
            store,
            reason: `the server at the URL in ${settings.url_env} refused or did not answer (${reasonOf(error)}); ` +
              `check that PostgreSQL runs, that the database exists and that the URL's user may connect`
          })
        )
      )
    )
    return Layer.merge(client, Layer.succeed(NodeStore, NodeStore.of({ dialect: "pg", location: store })))
  }))
}

const migrating = (list: ReadonlyArray<StoreMigration>) => Layer.effectDiscard(
  Effect.flatMap(NodeStore, (info) =>
    migrate(list).pipe(
      // The Migrator turns a failed migration into a defect; it is still a reason not to start.
      Effect.sandbox,
      Effect.mapError((cause) =>
        new StoreUnavailable({
          store: info.location,
          reason: `its schema could not be migrated (${reasonOf(Cause.squash(cause))}); the migration was rolled back, ` +
            `fix the cause above and start again`
        })
      )
    ))
)

/**
 * The store for `settings` under `dataDir`, migrated. Provides `SqlClient` (for the repositories)
 * and `NodeStore`. `list` is for tests; the node always runs `migrations`.
 */
export const layer = (
  settings: StorageConfig,
  dataDir: string,
  list: ReadonlyArray<StoreMigration> = migrations
): Layer.Layer<SqlClient.SqlClient | NodeStore, StoreUnavailable> => {
  const opened = settings.postgres === undefined ? sqliteLayer(dataDir) : pgLayer(settings.postgres)
  return Layer.provideMerge(migrating(list), opened)
}
