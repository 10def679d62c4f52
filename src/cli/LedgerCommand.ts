/**
 * `orbiplex ledger topup --receipt <file>` and `orbiplex ledger balances|holds|transfers|receipts
 * [--json]`: their options; the ledger and its sqlite store are loaded when one runs
 * (LedgerHandlers).
 */
import { Command, Options } from "@effect/cli"
import { configOption } from "./ConfigFile.js"
import { lazily } from "./Lazy.js"

const handlers = () => import("./LedgerHandlers.js")

const gatewayOption = Options.text("gateway").pipe(
  Options.withDescription("also trust gateway receipts signed by this node id (node:did:key:z…); repeatable"),
  Options.repeated
)
const jsonOption = Options.boolean("json").pipe(Options.withDescription("print the orbidocs artifacts as JSON"))

const listCommand = (what: "balances" | "holds" | "transfers" | "receipts", description: string) =>
  Command.make(what, { config: configOption, json: jsonOption }, (args) =>
    lazily(handlers, (module) => module.ledgerList(what, { ...args, gateways: [] }))).pipe(
      Command.withDescription(description)
    )

/** `ledger topup`. */
export const ledgerTopUpCommand = Command.make(
  "topup",
  {
    config: configOption,
    receipt: Options.file("receipt").pipe(Options.withDescription("a signed gateway-receipt.v1 JSON file")),
    gateways: gatewayOption,
    json: jsonOption
  },
  (args) => lazily(handlers, (module) => module.ledgerTopUp(args))
).pipe(Command.withDescription("credit a signed gateway receipt once (net to its account, the fee to the community pool)"))

/** `ledger`, with its subcommands. */
export const ledgerCommand = Command.make("ledger").pipe(
  Command.withDescription("the node's host ledger: top-ups, balances, holds, transfers, gateway receipts"),
  Command.withSubcommands([
    ledgerTopUpCommand,
    listCommand("balances", "each account's available and held ORC"),
    listCommand("holds", "each escrow hold with its state and deadlines"),
    listCommand("transfers", "every transfer, oldest first"),
    listCommand("receipts", "every credited gateway receipt")
  ])
)
