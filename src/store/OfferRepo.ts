/**
 * The offer catalog's durable part (docs/modules.md §2.2): signed offers by id, and the sequence
 * counters they are numbered by. A counter lives in the database, so an offer's sequence keeps
 * growing across restarts of the node (peers drop an offer whose sequence went backwards).
 */
import * as SqlClient from "@effect/sql/SqlClient"
import * as SqlSchema from "@effect/sql/SqlSchema"
import { Context, Effect, Layer, Option, Schema } from "effect"
import { JsonObject } from "../contract/Json.js"
import { DbInt, JsonObjectText } from "./Columns.js"
import { failedAs, StoreFailed } from "./StoreError.js"

/** A stored signed offer (the fields of the catalog's `CatalogOffer`). */
export interface StoredOffer {
  readonly offer_id: string
  readonly provider_id: string
  readonly executor_id: string
  readonly service_type: string
  readonly sequence: number
  readonly issued_at_ms: number
  readonly expires_at_ms: number
  readonly amount: number
  readonly currency: string
  readonly max_depth: number | undefined
  readonly document: JsonObject
}

const OfferRow = Schema.Struct({
  offer_id: Schema.String,
  provider_id: Schema.String,
  executor_id: Schema.String,
  service_type: Schema.String,
  sequence: DbInt,
  issued_at_ms: DbInt,
  expires_at_ms: DbInt,
  amount: DbInt,
  currency: Schema.String,
  max_depth: Schema.NullOr(DbInt),
  document: JsonObjectText
})
type OfferRow = typeof OfferRow.Type

const toOffer = ({ max_depth, ...row }: OfferRow): StoredOffer => ({ ...row, max_depth: max_depth ?? undefined })

/** The offer repository. */
export class OfferRepo extends Context.Tag("orbiplex/store/OfferRepo")<OfferRepo, {
  /** The next sequence number of `key` (1 the first time): atomic, and strictly increasing for ever. */
  readonly nextSequence: (key: string) => Effect.Effect<number, StoreFailed>
  /** Stores the offer unless a newer sequence of it is stored; answers the stored one. */
  readonly save: (offer: StoredOffer) => Effect.Effect<StoredOffer, StoreFailed>
  readonly byId: (offerId: string) => Effect.Effect<Option.Option<StoredOffer>, StoreFailed>
  /** Every offer of a provider, expired ones included. */
  readonly ofProvider: (providerId: string) => Effect.Effect<ReadonlyArray<StoredOffer>, StoreFailed>
  /** Every offer, expired ones included. */
  readonly all: Effect.Effect<ReadonlyArray<StoredOffer>, StoreFailed>
}>() {}

/** Builds the repository over the store's `SqlClient`. */
export const make = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient

  // One statement: the database serialises concurrent increments of one key, in both dialects.
  const increment = SqlSchema.findOne({
    Request: Schema.String,
    Result: Schema.Struct({ last_value: DbInt }),
    execute: (key) =>
      sql`INSERT INTO offer_sequences (sequence_key, last_value) VALUES (${key}, 1)
        ON CONFLICT (sequence_key) DO UPDATE SET last_value = offer_sequences.last_value + 1
        RETURNING last_value`
  })
  const upsertNewer = SqlSchema.void({
    Request: OfferRow,
    execute: (row) =>
      sql`INSERT INTO offers ${sql.insert(row)} ON CONFLICT (offer_id) DO UPDATE SET
        provider_id = excluded.provider_id, executor_id = excluded.executor_id, service_type = excluded.service_type,
        sequence = excluded.sequence, issued_at_ms = excluded.issued_at_ms, expires_at_ms = excluded.expires_at_ms,
        amount = excluded.amount, currency = excluded.currency, max_depth = excluded.max_depth,
        document = excluded.document
        WHERE offers.sequence <= excluded.sequence`
  })
  const findOffer = SqlSchema.findOne({
    Request: Schema.String,
    Result: OfferRow,
    execute: (offerId) => sql`SELECT * FROM offers WHERE offer_id = ${offerId}`
  })
  const providerOffers = SqlSchema.findAll({
    Request: Schema.String,
    Result: OfferRow,
    execute: (providerId) => sql`SELECT * FROM offers WHERE provider_id = ${providerId} ORDER BY offer_id`
  })
  const allOffers = SqlSchema.findAll({
    Request: Schema.Void,
    Result: OfferRow,
    execute: () => sql`SELECT * FROM offers ORDER BY offer_id`
  })

  const byId = (offerId: string) => findOffer(offerId).pipe(Effect.map(Option.map(toOffer)), failedAs(`read offer ${offerId}`))

  const nextSequence = Effect.fn("OfferRepo.nextSequence")((key: string) =>
    increment(key).pipe(
      failedAs(`advance the offer sequence ${key}`),
      Effect.flatMap(Option.match({
        onSome: (row) => Effect.succeed(row.last_value),
        onNone: () =>
          Effect.fail(new StoreFailed({ operation: `advance the offer sequence ${key}`, reason: "the database returned no value" }))
      }))
    )
  )

  const save = Effect.fn("OfferRepo.save")(function*(offer: StoredOffer) {
    yield* upsertNewer({ ...offer, max_depth: offer.max_depth ?? null }).pipe(failedAs(`save offer ${offer.offer_id}`))
    const stored = yield* byId(offer.offer_id)
    return Option.getOrElse(stored, () => offer)
  })

  return OfferRepo.of({
    nextSequence,
    save,
    byId,
    ofProvider: (providerId) =>
      providerOffers(providerId).pipe(Effect.map((rows) => rows.map(toOffer)), failedAs(`read the offers of ${providerId}`)),
    all: allOffers(undefined).pipe(Effect.map((rows) => rows.map(toOffer)), failedAs("read the offers"))
  })
})

/** The repository as a layer. */
export const layer: Layer.Layer<OfferRepo, never, SqlClient.SqlClient> = Layer.effect(OfferRepo, make)
