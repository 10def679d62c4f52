/**
 * Where the store tests run: SQLite in a temp folder, and PostgreSQL in a fresh database with a
 * random name, dropped when the test's scope closes. The server is the one at
 * `ORBIPLEX_TEST_PG_URL` (default postgres://postgres@127.0.0.1:5432/postgres). When it does not
 * answer, the PostgreSQL tests are skipped with a message, except with CI=true, where they run and
 * fail with the reason.
 */
import { PgClient } from "@effect/sql-pg"
import { describe } from "@effect/vitest"
import { ConfigProvider, Duration, Effect, Layer, Redacted, type Scope } from "effect"
import { randomBytes } from "node:crypto"
import { defaultStorage, type StorageConfig } from "../../src/config/StorageConfig.js"
import * as NodeStore from "../../src/store/NodeStore.js"
import * as StoreLayer from "../../src/store/StoreLayer.js"
import type { StoreFailed, StoreUnavailable } from "../../src/store/StoreError.js"
import { tempDir } from "../support/TempFiles.js"

/** The server the PostgreSQL tests use. */
export const pgAdminUrl = process.env["ORBIPLEX_TEST_PG_URL"] ?? "postgres://postgres@127.0.0.1:5432/postgres"

const admin = PgClient.layer({ url: Redacted.make(pgAdminUrl), connectTimeout: Duration.seconds(3) })

const probe = await Effect.runPromise(
  Effect.scoped(Layer.build(admin)).pipe(
    Effect.as(undefined),
    Effect.catchAll((error) => Effect.succeed(error.message))
  )
)

/** Why PostgreSQL tests are skipped, if they are. */
export const pgSkipReason: string | undefined = probe === undefined || process.env["CI"] === "true"
  ? undefined
  : `PostgreSQL store tests SKIPPED: no server answers at ${pgAdminUrl} (${probe}); set ORBIPLEX_TEST_PG_URL or start PostgreSQL`

if (pgSkipReason !== undefined) console.warn(pgSkipReason)

/** The environment variable the PostgreSQL store reads its URL from in these tests. */
export const URL_ENV = "ORBIPLEX_TEST_STORE_URL"

/** One place a store lives in: its data folder, and how to open the store there (again and again). */
export interface Place {
  readonly dataDir: string
  /** What a node process needs in its environment to open this store (the PostgreSQL URL variable). */
  readonly env: Readonly<Record<string, string>>
  readonly settings: (overrides?: Partial<StorageConfig>) => StorageConfig
  readonly layer: (settings?: StorageConfig) => Layer.Layer<StoreLayer.Store, StoreUnavailable | StoreFailed>
  /** The store without its start-up steps (import, pruner): the repositories over the migrated database. */
  readonly bare: (settings?: StorageConfig) => Layer.Layer<StoreLayer.Store, StoreUnavailable>
}

/** A dialect the store runs on. */
export interface Dialect {
  readonly name: "sqlite" | "pg"
  readonly place: Effect.Effect<Place, never, Scope.Scope>
}

/** SQLite in a temp folder. */
export const sqlite: Dialect = {
  name: "sqlite",
  place: Effect.map(tempDir, (dataDir) => ({
    dataDir,
    env: {},
    settings: (overrides = {}) => ({ ...defaultStorage, ...overrides }),
    layer: (settings = defaultStorage) => StoreLayer.layer(settings, dataDir),
    bare: (settings = defaultStorage) => StoreLayer.repositories.pipe(Layer.provideMerge(NodeStore.layer(settings, dataDir)))
  }))
}

/** A fresh database on the test server, dropped (connections and all) when the scope closes. */
export const scratchDatabase: Effect.Effect<string, never, Scope.Scope> = Effect.acquireRelease(
  Effect.gen(function*() {
    const name = `orbiplex_test_${randomBytes(6).toString("hex")}`
    yield* Effect.flatMap(PgClient.PgClient, (sql) => sql`CREATE DATABASE ${sql(name)}`).pipe(
      Effect.provide(admin),
      Effect.orDieWith((error) =>
        new Error(
          `cannot create a test database on ${pgAdminUrl} (${error.message}): the store tests need PostgreSQL ` +
            `(CI=true makes its absence a failure; .ci/run starts one, or set ORBIPLEX_TEST_PG_URL)`
        )
      )
    )
    const url = new URL(pgAdminUrl)
    url.pathname = `/${name}`
    return { name, url: url.toString() }
  }),
  ({ name }) =>
    Effect.flatMap(PgClient.PgClient, (sql) => sql`DROP DATABASE IF EXISTS ${sql(name)} WITH (FORCE)`).pipe(
      Effect.provide(admin),
      Effect.orDie
    )
).pipe(Effect.map(({ url }) => url))

const pg: Dialect = {
  name: "pg",
  place: Effect.gen(function*() {
    const dataDir = yield* tempDir
    const url = yield* scratchDatabase
    const env = Layer.setConfigProvider(ConfigProvider.fromMap(new Map([[URL_ENV, url]])))
    const settings = (overrides: Partial<StorageConfig> = {}): StorageConfig => ({
      ...defaultStorage,
      postgres: { url_env: URL_ENV },
      ...overrides
    })
    return {
      dataDir,
      env: { [URL_ENV]: url },
      settings,
      layer: (chosen = settings()) => StoreLayer.layer(chosen, dataDir).pipe(Layer.provide(env)),
      bare: (chosen = settings()) =>
        StoreLayer.repositories.pipe(Layer.provideMerge(NodeStore.layer(chosen, dataDir)), Layer.provide(env))
    }
  })
}

/** Declares the same tests for SQLite and PostgreSQL (the latter skipped when no server answers locally). */
export const forEachDialect = (title: string, tests: (dialect: Dialect) => void): void => {
  describe(`${title} (sqlite)`, () => tests(sqlite))
  if (pgSkipReason === undefined) describe(`${title} (pg)`, () => tests(pg))
  else describe.skip(`${title} (pg): ${pgSkipReason}`, () => tests(pg))
}
