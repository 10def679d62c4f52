/**
 * `orbiplex order list | accept <id> | refuse <id> [--reason <text>]`: the orders of the running
 * node, and the decision on one awaiting acceptance.
 */
import { Args, Command, Options } from "@effect/cli"
import { NodeHttpClient } from "@effect/platform-node"
import { Console, Effect, Option } from "effect"
import type { OrderEntry } from "../operator/OrderDesk.js"
import { makeWorkClient, type WorkClient } from "../operator/WorkClient.js"
import { configOption } from "./ConfigFile.js"
import { resolveTarget } from "./OperatorTarget.js"
import { operatorOption } from "./StatusCommand.js"

/** One line per order. */
export const orderLine = (order: OrderEntry): string =>
  `${order.order_id}  ${order.status}  ${order.provider_id} ${order.service_type}  ${(order.price / 100).toFixed(2)} ${order.currency}`

const onNode = <A, E>(args: { readonly operator: Option.Option<string>; readonly config: Option.Option<string> }, use: (client: WorkClient) => Effect.Effect<A, E>) =>
  Effect.flatMap(resolveTarget(args), (target) => Effect.flatMap(makeWorkClient(target.url, target.token), use)).pipe(
    Effect.provide(NodeHttpClient.layerUndici)
  )

const idArg = Args.text({ name: "id" }).pipe(Args.withDescription("the order id (see `orbiplex order list`)"))

const list = Command.make("list", { config: configOption, operator: operatorOption }, (args) =>
  onNode(args, (client) =>
    Effect.flatMap(client.listOrders, ({ orders }) =>
      orders.length === 0 ? Console.log("no orders") : Effect.forEach(orders, (order) => Console.log(orderLine(order)), { discard: true })))
).pipe(Command.withDescription("list the orders of the running node"))

const accept = Command.make("accept", { config: configOption, operator: operatorOption, id: idArg }, (args) =>
  onNode(args, (client) => Effect.flatMap(client.acceptOrder(args.id), (order) => Console.log(orderLine(order))))
).pipe(Command.withDescription("accept an order awaiting acceptance"))

const refuse = Command.make(
  "refuse",
  {
    config: configOption,
    operator: operatorOption,
    id: idArg,
    reason: Options.text("reason").pipe(Options.withDescription("why, for the buyer"), Options.optional)
  },
  (args) => onNode(args, (client) => Effect.flatMap(client.refuseOrder(args.id, Option.getOrUndefined(args.reason)), (order) => Console.log(orderLine(order))))
).pipe(Command.withDescription("refuse an order awaiting acceptance"))

/** `order`, with its subcommands. */
export const orderCommand = Command.make("order").pipe(
  Command.withDescription("orders of the running node: list, accept, refuse"),
  Command.withSubcommands([list, accept, refuse])
)
