import * as SqlClient from "@effect/sql/SqlClient"
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer } from "effect"
import * as Fs from "node:fs"
import { defaultStorage } from "../../src/config/StorageConfig.js"
import { migrate, migrations, MIGRATIONS_TABLE, type StoreMigration } from "../../src/store/Migrations.js"
import * as NodeStore from "../../src/store/NodeStore.js"
import { tempDir } from "../support/TempFiles.js"
import { forEachDialect, pgAdminUrl, sqlite } from "./Stores.js"

const extra: StoreMigration = [
  migrations.length + 1,
  "extra_table",
  Effect.flatMap(SqlClient.SqlClient, (sql) => sql`CREATE TABLE extra_table (id TEXT PRIMARY KEY)`)
]
const broken: StoreMigration = [
  migrations.length + 1,
  "broken",
  Effect.flatMap(SqlClient.SqlClient, (sql) => sql`CREATE TABLE no_such_syntax (`)
]

const applied = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql<{ readonly migration_id: number | string }>`SELECT migration_id FROM ${sql(MIGRATIONS_TABLE)} ORDER BY migration_id`)

describe("NodeStore (sqlite)", () => {
  it.scopedLive("opens <data_dir>/node.db in WAL mode and migrates it", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const dataDir = `${dir}/nested/data`
      yield* Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const info = yield* NodeStore.NodeStore
        expect(info).toEqual({ dialect: "sqlite", location: NodeStore.sqliteFile(dataDir) })
        expect(yield* sql`PRAGMA journal_mode`).toEqual([{ journal_mode: "wal" }])
        expect((yield* applied).map((row) => Number(row.migration_id))).toEqual(migrations.map(([id]) => id))
      }).pipe(Effect.provide(NodeStore.layer(defaultStorage, dataDir)))
      expect(Fs.existsSync(`${dataDir}/node.db`)).toBe(true)
    }))
})

forEachDialect("migrations", (dialect) => {
  it.scopedLive("run once; a new entry in the list is the only one run on the next start", () =>
    Effect.gen(function*() {
      const place = yield* dialect.place
      // The first start ran every migration; a restart runs none.
      yield* Effect.flatMap(NodeStore.NodeStore, () => Effect.void).pipe(Effect.provide(place.bare()))
      yield* Effect.gen(function*() {
        expect(yield* migrate()).toEqual([])
        expect(yield* migrate([...migrations, extra])).toEqual([[extra[0], "extra_table"]])
        expect(yield* migrate([...migrations, extra])).toEqual([])
        const sql = yield* SqlClient.SqlClient
        expect(yield* sql`SELECT * FROM extra_table`).toEqual([])
      }).pipe(Effect.provide(place.bare()))
    }))
})

describe("NodeStore errors", () => {
  it.scopedLive("a failing migration stops the store with its reason, and leaves the schema as it was", () =>
    Effect.gen(function*() {
      const place = yield* sqlite.place
      const error = yield* Effect.flip(Effect.provide(Effect.void, NodeStore.layer(defaultStorage, place.dataDir, [...migrations, broken])))
      expect(error._tag).toBe("StoreUnavailable")
      expect(error.message).toContain("could not be migrated")
      expect(error.message).toContain(`Migration "${broken[0]}_broken" failed`)
      expect(error.message).toContain("incomplete input")
      const ids = yield* applied.pipe(Effect.provide(NodeStore.layer(defaultStorage, place.dataDir)))
      expect(ids.map((row) => Number(row.migration_id))).toEqual(migrations.map(([id]) => id))
    }))

  const pgSettings = { ...defaultStorage, postgres: { url_env: "ORBIPLEX_PG_URL_FOR_TEST" } }
  const withEnv = (env: ReadonlyArray<readonly [string, string]>) =>
    NodeStore.layer(pgSettings, "/nonexistent").pipe(Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map(env)))))

  it.scopedLive("PostgreSQL: an unset URL variable is named in the error", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Effect.provide(Effect.void, withEnv([])))
      expect(error.message).toContain("ORBIPLEX_PG_URL_FOR_TEST is not set")
      expect(error.message).toContain("postgres ($ORBIPLEX_PG_URL_FOR_TEST)")
    }))

  it.scopedLive("PostgreSQL: a server that refuses is reported with the variable, never the URL", () =>
    Effect.gen(function*() {
      const refused = yield* Effect.flip(
        Effect.provide(Effect.void, withEnv([["ORBIPLEX_PG_URL_FOR_TEST", "postgres://secret-user:hunter2@127.0.0.1:1/x"]]))
      )
      expect(refused.message).toContain("the server at the URL in ORBIPLEX_PG_URL_FOR_TEST refused or did not answer")
      expect(refused.message).not.toContain("hunter2")
    }))

  it.scopedLive("PostgreSQL: a database that does not exist is reported", () =>
    Effect.gen(function*() {
      const url = new URL(pgAdminUrl)
      url.pathname = "/orbiplex_no_such_database"
      const missing = yield* Effect.flip(Effect.provide(Effect.void, withEnv([["ORBIPLEX_PG_URL_FOR_TEST", url.toString()]])))
      expect(missing.message).toContain("ORBIPLEX_PG_URL_FOR_TEST")
      // Without a server the reason is "refused"; with one, the server names the missing database.
      expect(missing.message).toMatch(/orbiplex_no_such_database|ECONNREFUSED|refused/)
    }))
})
