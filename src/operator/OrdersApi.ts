/**
 * The `orders` group of the operator API: list orders, place one, accept or refuse one awaiting
 * acceptance (over the `OrderDesk`).
 */
import { HttpApiEndpoint, HttpApiGroup } from "@effect/platform"
import { Schema } from "effect"
import { OrderInput, OrderOutcome } from "../exchange/OrderModel.js"
import { OrderEntry } from "./OrderEntry.js"
import { IdempotencyHeaders } from "./WorkApi.js"
import { IdempotencyConflict, OrderUnknown, WorkFailed, WorkRefused, WorkUnavailable } from "./WorkErrors.js"

/** `GET /v1/orders`. */
export const OrderList = Schema.Struct({ orders: Schema.Array(OrderEntry) }).annotations({ identifier: "OrderList" })

/** `POST /v1/orders/:id/refuse`. */
export const RefuseBody = Schema.Struct({ reason: Schema.optional(Schema.String) }).annotations({ identifier: "RefuseBody" })

const OrderPath = Schema.Struct({ id: Schema.NonEmptyTrimmedString })

/** The group. */
export class OrdersApi extends HttpApiGroup.make("orders")
  .add(HttpApiEndpoint.get("list", "/v1/orders").addSuccess(OrderList))
  .add(
    HttpApiEndpoint.post("place", "/v1/orders").setHeaders(IdempotencyHeaders).setPayload(OrderInput).addSuccess(OrderOutcome)
      .addError(WorkRefused)
  )
  .add(HttpApiEndpoint.post("accept", "/v1/orders/:id/accept").setPath(OrderPath).addSuccess(OrderEntry).addError(OrderUnknown))
  .add(
    HttpApiEndpoint.post("refuse", "/v1/orders/:id/refuse").setPath(OrderPath).setPayload(RefuseBody).addSuccess(OrderEntry)
      .addError(OrderUnknown)
  )
  .addError(WorkUnavailable)
  .addError(WorkFailed)
  .addError(IdempotencyConflict)
{}
