/**
 * `orbiplex order list | accept <id> | refuse <id> [--reason <text>]`: their options; the work
 * client is loaded when one runs (OrderHandlers).
 */
import { Args, Command, Options } from "@effect/cli"
import { configOption } from "./ConfigFile.js"
import { lazily } from "./Lazy.js"
import { operatorOption } from "./TargetOptions.js"

const handlers = () => import("./OrderHandlers.js")

const idArg = Args.text({ name: "id" }).pipe(Args.withDescription("the order id (see `orbiplex order list`)"))

const list = Command.make("list", { config: configOption, operator: operatorOption }, (args) =>
  lazily(handlers, (module) => module.listOrders(args))).pipe(Command.withDescription("list the orders of the running node"))

const accept = Command.make("accept", { config: configOption, operator: operatorOption, id: idArg }, (args) =>
  lazily(handlers, (module) => module.acceptOrder(args))).pipe(Command.withDescription("accept an order awaiting acceptance"))

const refuse = Command.make(
  "refuse",
  {
    config: configOption,
    operator: operatorOption,
    id: idArg,
    reason: Options.text("reason").pipe(Options.withDescription("why, for the buyer"), Options.optional)
  },
  (args) => lazily(handlers, (module) => module.refuseOrder(args))
).pipe(Command.withDescription("refuse an order awaiting acceptance"))

/** `order`, with its subcommands. */
export const orderCommand = Command.make("order").pipe(
  Command.withDescription("orders of the running node: list, accept, refuse"),
  Command.withSubcommands([list, accept, refuse])
)
