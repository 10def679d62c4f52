/**
 * The handlers of the `orders` group, over the OrderDesk of the WorkGate's desk.
 */
import { HttpApiBuilder, type HttpApiGroup } from "@effect/platform"
import { Effect, type Layer, Option } from "effect"
import { OrderOutcome } from "../exchange/Procurement.js"
import { OperatorHttpApi } from "./OperatorHttpApi.js"
import { idempotent } from "./Idempotent.js"
import type { OrderDeskError } from "./OrderDesk.js"
import { WorkGate } from "./WorkGate.js"
import { OrderUnknown, WorkFailed, WorkRefused } from "./WorkErrors.js"

const deskError = (error: OrderDeskError) =>
  error.kind === "unknown"
    ? new OrderUnknown({ order_id: error.order_id, message: error.message })
    : new WorkFailed({ message: error.message })

/** The group's handlers. */
export const layer: Layer.Layer<HttpApiGroup.ApiGroup<"operator", "orders">> = HttpApiBuilder.group(
  OperatorHttpApi,
  "orders",
  (handlers) =>
    Effect.gen(function*() {
      const gate = yield* WorkGate
      return handlers
        .handle("list", () => Effect.flatMap(gate.current, (desk) => Effect.map(desk.orders.list, (orders) => ({ orders }))))
        .handle("place", ({ headers, payload }) =>
          Effect.flatMap(gate.current, (desk) =>
            idempotent(
              desk,
              OrderOutcome,
              headers["idempotency-key"],
              "order",
              payload,
              desk.orders.place(payload).pipe(Effect.mapError((error) => new WorkRefused({ message: error.message })))
            )))
        .handle("accept", ({ path }) => Effect.flatMap(gate.current, (desk) => Effect.mapError(desk.orders.accept(path.id), deskError)))
        .handle("refuse", ({ path, payload }) =>
          Effect.flatMap(gate.current, (desk) =>
            Effect.mapError(desk.orders.refuse(path.id, Option.fromNullable(payload.reason)), deskError)))
    })
)
