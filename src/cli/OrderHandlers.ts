/**
 * What `orbiplex order list | accept <id> | refuse <id>` do: the orders of the running node, and
 * the decision on one awaiting acceptance, through its work API.
 */
import { Console, Effect, Option } from "effect"
import type { OrderEntry } from "../operator/OrderEntry.js"
import { type NodeArgs, onNode } from "./WorkTarget.js"

/** One line per order. */
export const orderLine = (order: OrderEntry): string =>
  `${order.order_id}  ${order.status}  ${order.provider_id} ${order.service_type}  ${(order.price / 100).toFixed(2)} ${order.currency}`

/** `order list`. */
export const listOrders = (args: NodeArgs) =>
  onNode(args, (client) =>
    Effect.flatMap(client.listOrders, ({ orders }) =>
      orders.length === 0 ? Console.log("no orders") : Effect.forEach(orders, (order) => Console.log(orderLine(order)), { discard: true })))

/** `order accept <id>`. */
export const acceptOrder = (args: NodeArgs & { readonly id: string }) =>
  onNode(args, (client) => Effect.flatMap(client.acceptOrder(args.id), (order) => Console.log(orderLine(order))))

/** `order refuse <id> [--reason]`. */
export const refuseOrder = (args: NodeArgs & { readonly id: string; readonly reason: Option.Option<string> }) =>
  onNode(args, (client) => Effect.flatMap(client.refuseOrder(args.id, Option.getOrUndefined(args.reason)), (order) => Console.log(orderLine(order))))
