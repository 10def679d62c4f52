/**
 * The last firing of each schedule, kept across restarts so that firings missed while the node was
 * down can be told apart (`missed: skip | run-once`). In the store's `node_meta`, one key per
 * schedule; an in-memory one for nodes without a store and for tests.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import { Context, Effect, Layer, Option, Ref } from "effect"
import { failedAs, type StoreFailed } from "../store/StoreError.js"

/** Where the last firings are kept. */
export class ScheduleStore extends Context.Tag("orbiplex/ScheduleStore")<ScheduleStore, {
  /** The last firing of a schedule, epoch ms. */
  readonly lastFired: (scheduleId: string) => Effect.Effect<Option.Option<number>, StoreFailed>
  readonly record: (scheduleId: string, firedAtMs: number) => Effect.Effect<void, StoreFailed>
}>() {}

const keyOf = (scheduleId: string): string => `schedule.last_fired.${scheduleId}`

/** Over the store's `node_meta`. */
export const makeSql = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  return ScheduleStore.of({
    lastFired: (scheduleId) =>
      sql<{ readonly meta_value: string }>`SELECT meta_value FROM node_meta WHERE meta_key = ${keyOf(scheduleId)}`.pipe(
        Effect.map((rows) => Option.filter(Option.map(Option.fromNullable(rows[0]), (row) => Number(row.meta_value)), Number.isFinite)),
        failedAs(`read the last firing of schedule ${scheduleId}`)
      ),
    record: (scheduleId, firedAtMs) =>
      sql`INSERT INTO node_meta (meta_key, meta_value) VALUES (${keyOf(scheduleId)}, ${String(firedAtMs)})
        ON CONFLICT (meta_key) DO UPDATE SET meta_value = excluded.meta_value`.pipe(
        Effect.asVoid,
        failedAs(`record the firing of schedule ${scheduleId}`)
      )
  })
})

/** The store-backed one. */
export const layerSql: Layer.Layer<ScheduleStore, never, SqlClient.SqlClient> = Layer.effect(ScheduleStore, makeSql)

/** An in-memory one (lost at exit: every start sees no last firing). */
export const layerMemory: Layer.Layer<ScheduleStore> = Layer.effect(
  ScheduleStore,
  Effect.map(Ref.make(new Map<string, number>()), (fired) =>
    ScheduleStore.of({
      lastFired: (scheduleId) => Effect.map(Ref.get(fired), (map) => Option.fromNullable(map.get(scheduleId))),
      record: (scheduleId, firedAtMs) => Ref.update(fired, (map) => new Map(map).set(scheduleId, firedAtMs))
    }))
)
