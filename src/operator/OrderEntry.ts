/**
 * An order as the operator's desk lists it: the shape the orders API answers with, apart from the
 * desk itself so that clients of the API load the schema without procurement.
 */
import { Schema } from "effect"
import { JsonObject } from "../contract/Json.js"

/** An order as the desk lists it. */
export const OrderEntry = Schema.Struct({
  order_id: Schema.String,
  status: Schema.Literal("pending", "completed", "rejected", "accepted", "refused", "failed"),
  provider_id: Schema.String,
  service_type: Schema.String,
  price: Schema.Int,
  currency: Schema.String,
  detail: Schema.optionalWith(JsonObject, { exact: true })
}).annotations({ identifier: "OrderEntry" })
/** An order as the desk lists it. */
export type OrderEntry = typeof OrderEntry.Type
