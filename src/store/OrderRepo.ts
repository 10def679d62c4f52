/**
 * Orders placed through procurement (docs/modules.md §2.3). An order id is placed once: placing it
 * again (a retried intent, a restarted node) answers the stored order, and its first outcome is its
 * outcome, so a provider is never paid or dispatched twice for one order id.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import * as SqlSchema from "@effect/sql/SqlSchema"
import { Clock, Context, Effect, Layer, Option, Schema } from "effect"
import { JsonObject } from "../contract/Json.js"
import { DbInt, JsonObjectText } from "./Columns.js"
import { failedAs, StoreFailed } from "./StoreError.js"

/** Where an order is: `placed` until its first outcome is stored. */
export const OrderStatus = Schema.Literal("placed", "completed", "rejected", "failed")
/** Where an order is. */
export type OrderStatus = typeof OrderStatus.Type

/** A stored order. `outcome` is what procurement answered (its `OrderOutcome`, as JSON). */
export const StoredOrder = Schema.Struct({
  order_id: Schema.String,
  intent_id: Schema.NullOr(Schema.String),
  run_id: Schema.NullOr(Schema.String),
  step_id: Schema.NullOr(Schema.String),
  attempt: Schema.NullOr(DbInt),
  offer_id: Schema.NullOr(Schema.String),
  provider_id: Schema.String,
  service_type: Schema.String,
  price: DbInt,
  currency: Schema.String,
  status: OrderStatus,
  outcome: Schema.NullOr(JsonObjectText),
  created_at_ms: DbInt,
  updated_at_ms: DbInt
})
/** A stored order. */
export type StoredOrder = typeof StoredOrder.Type

/** What placing an order takes (the rest is the store's). */
export type NewOrder = Omit<StoredOrder, "status" | "outcome" | "created_at_ms" | "updated_at_ms">

/** The order repository. */
export class OrderRepo extends Context.Tag("orbiplex/store/OrderRepo")<OrderRepo, {
  /** Stores the order as `placed` unless its id is stored; answers the stored (first) order. */
  readonly place: (order: NewOrder) => Effect.Effect<StoredOrder, StoreFailed>
  /** Records the order's outcome unless one is stored; answers the stored order. */
  readonly settle: (
    orderId: string,
    status: Exclude<OrderStatus, "placed">,
    outcome: JsonObject
  ) => Effect.Effect<StoredOrder, StoreFailed>
  readonly byId: (orderId: string) => Effect.Effect<Option.Option<StoredOrder>, StoreFailed>
  /** Orders of a workflow run, oldest first. */
  readonly ofRun: (runId: string) => Effect.Effect<ReadonlyArray<StoredOrder>, StoreFailed>
}>() {}

/** Builds the repository over the store's `SqlClient`. */
export const make = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient

  const insertIfAbsent = SqlSchema.void({
    Request: StoredOrder,
    execute: (row) => sql`INSERT INTO orders ${sql.insert(row)} ON CONFLICT (order_id) DO NOTHING`
  })
  const Settlement = Schema.Struct({
    order_id: Schema.String,
    status: OrderStatus,
    outcome: JsonObjectText,
    updated_at_ms: DbInt
  })
  const settleIfPlaced = SqlSchema.void({
    Request: Settlement,
    execute: (row) =>
      sql`UPDATE orders SET status = ${row.status}, outcome = ${row.outcome}, updated_at_ms = ${row.updated_at_ms}
        WHERE order_id = ${row.order_id} AND status = 'placed'`
  })
  const findOrder = SqlSchema.findOne({
    Request: Schema.String,
    Result: StoredOrder,
    execute: (orderId) => sql`SELECT * FROM orders WHERE order_id = ${orderId}`
  })
  const runOrders = SqlSchema.findAll({
    Request: Schema.String,
    Result: StoredOrder,
    execute: (runId) => sql`SELECT * FROM orders WHERE run_id = ${runId} ORDER BY created_at_ms, order_id`
  })

  const byId = (orderId: string) => findOrder(orderId).pipe(failedAs(`read order ${orderId}`))
  const stored = (orderId: string, operation: string) =>
    Effect.flatMap(byId(orderId), (found) =>
      Option.match(found, {
        onSome: Effect.succeed,
        onNone: () => Effect.fail(new StoreFailed({ operation, reason: `order ${orderId} is not stored; place it first` }))
      }))

  const place = Effect.fn("OrderRepo.place")(function*(order: NewOrder) {
    const now = yield* Clock.currentTimeMillis
    yield* insertIfAbsent({ ...order, status: "placed", outcome: null, created_at_ms: now, updated_at_ms: now }).pipe(
      failedAs(`place order ${order.order_id}`)
    )
    return yield* stored(order.order_id, `place order ${order.order_id}`)
  })

  const settle = Effect.fn("OrderRepo.settle")(function*(orderId: string, status: Exclude<OrderStatus, "placed">, outcome: JsonObject) {
    const now = yield* Clock.currentTimeMillis
    yield* settleIfPlaced({ order_id: orderId, status, outcome, updated_at_ms: now }).pipe(failedAs(`settle order ${orderId}`))
    return yield* stored(orderId, `settle order ${orderId}`)
  })

  return OrderRepo.of({
    place,
    settle,
    byId,
    ofRun: (runId) => runOrders(runId).pipe(failedAs(`read the orders of run ${runId}`))
  })
})

/** The repository as a layer. */
export const layer: Layer.Layer<OrderRepo, never, SqlClient.SqlClient> = Layer.effect(OrderRepo, make)
