/**
 * Idempotency keys of the work API: a request carrying a key is answered once. The first request
 * claims the key with the digest of its body; a repeat with the same digest gets the stored
 * response (or learns the first is still running), one with another digest is a conflict.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import * as SqlSchema from "@effect/sql/SqlSchema"
import { Clock, Context, Data, Effect, Layer, Option, Schema } from "effect"
import { Json } from "../contract/Json.js"
import { DbInt, JsonText, OptionalJsonText } from "./Columns.js"
import { failedAs, StoreFailed } from "./StoreError.js"

/** What a claim answers. */
export type Claim = Data.TaggedEnum<{
  /** This caller holds the key: run the request, then `complete` (or `release` on failure). */
  Fresh: {}
  /** The request ran: answer its response again. */
  Replay: { readonly response: Json }
  /** The first request with this key has not completed yet. */
  Pending: {}
  /** The key was used for a different request (its digest is `digest`). */
  Mismatch: { readonly digest: string }
}>
/** Constructors and matchers of `Claim`. */
export const Claim = Data.taggedEnum<Claim>()

const KeyRow = Schema.Struct({
  idempotency_key: Schema.String,
  request_digest: Schema.String,
  response: OptionalJsonText,
  created_at_ms: DbInt,
  completed_at_ms: Schema.NullOr(DbInt)
})

/** The idempotency key repository. */
export class IdempotencyRepo extends Context.Tag("orbiplex/store/IdempotencyRepo")<IdempotencyRepo, {
  /** Claims `key` for a request whose body digests to `digest`. */
  readonly claim: (key: string, digest: string) => Effect.Effect<Claim, StoreFailed>
  /** Stores the response of a claimed key unless one is stored; answers the stored (first) one. */
  readonly complete: (key: string, response: Json) => Effect.Effect<Json, StoreFailed>
  /** Gives up a claim whose request failed, so a retry may run it; a completed key stays. */
  readonly release: (key: string) => Effect.Effect<void, StoreFailed>
}>() {}

/** Builds the repository over the store's `SqlClient`. */
export const make = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const insertNew = SqlSchema.findAll({
    Request: KeyRow,
    Result: Schema.Struct({ idempotency_key: Schema.String }),
    execute: (row) =>
      sql`INSERT INTO idempotency_keys ${sql.insert(row)} ON CONFLICT (idempotency_key) DO NOTHING RETURNING idempotency_key`
  })
  const findKey = SqlSchema.findOne({
    Request: Schema.String,
    Result: KeyRow,
    execute: (key) => sql`SELECT * FROM idempotency_keys WHERE idempotency_key = ${key}`
  })
  const Completion = Schema.Struct({ key: Schema.String, response: JsonText, at: DbInt })
  const completeIfPending = SqlSchema.void({
    Request: Completion,
    execute: (row) =>
      sql`UPDATE idempotency_keys SET response = ${row.response}, completed_at_ms = ${row.at}
        WHERE idempotency_key = ${row.key} AND completed_at_ms IS NULL`
  })

  const claim = Effect.fn("IdempotencyRepo.claim")(function*(key: string, digest: string) {
    const now = yield* Clock.currentTimeMillis
    const operation = `claim idempotency key ${key}`
    const inserted = yield* insertNew({
      idempotency_key: key,
      request_digest: digest,
      response: Option.none(),
      created_at_ms: now,
      completed_at_ms: null
    }).pipe(failedAs(operation))
    if (inserted.length > 0) return Claim.Fresh()
    const found = yield* findKey(key).pipe(failedAs(operation))
    // Released between our insert and read: the caller may simply claim again.
    if (Option.isNone(found)) return Claim.Pending()
    const row = found.value
    if (row.request_digest !== digest) return Claim.Mismatch({ digest: row.request_digest })
    return row.completed_at_ms === null ? Claim.Pending() : Claim.Replay({ response: Option.getOrNull(row.response) })
  })

  const complete = Effect.fn("IdempotencyRepo.complete")(function*(key: string, response: Json) {
    const now = yield* Clock.currentTimeMillis
    const operation = `complete idempotency key ${key}`
    yield* completeIfPending({ key, response, at: now }).pipe(failedAs(operation))
    const found = yield* findKey(key).pipe(failedAs(operation))
    if (Option.isNone(found)) {
      return yield* new StoreFailed({ operation, reason: "the key was never claimed (or was released); claim it first" })
    }
    return Option.getOrNull(found.value.response)
  })

  return IdempotencyRepo.of({
    claim,
    complete,
    release: (key) =>
      sql`DELETE FROM idempotency_keys WHERE idempotency_key = ${key} AND completed_at_ms IS NULL`.pipe(
        Effect.asVoid,
        failedAs(`release idempotency key ${key}`)
      )
  })
})

/** The repository as a layer. */
export const layer: Layer.Layer<IdempotencyRepo, never, SqlClient.SqlClient> = Layer.effect(IdempotencyRepo, make)
