/**
 * `orbiplex status` and `orbiplex module <start|stop|restart> <id>`: talk to a running node's
 * operator API (loopback HTTP). A node that does not answer ends the command with exit code 1 and
 * a message saying how to start it with the operator API enabled.
 */
import { Args, Command, Options } from "@effect/cli"
import { NodeHttpClient } from "@effect/platform-node"
import { Config, Console, Effect, Option, Schema } from "effect"
import { ModuleStatus } from "../contract/ModuleStatus.js"
import { makeOperatorClient } from "../operator/OperatorClient.js"
import { DEFAULT_OPERATOR_ADDRESS } from "../operator/OperatorConfig.js"
import { TOKEN_ENV, TOKEN_FILE } from "../operator/OperatorToken.js"
import { configOption } from "./ConfigFile.js"
import { resolveTarget } from "./OperatorTarget.js"
import { formatStatusTable, statusExitCode } from "./StatusTable.js"

export { formatStatusTable, statusExitCode } from "./StatusTable.js"

/** `--operator host:port`, falling back to `ORBIPLEX_OPERATOR`, then the config's `operator.listen`, then 127.0.0.1:7070. */
export const operatorOption = Options.text("operator").pipe(
  Options.withDescription(
    `the node's operator API address (loopback host:port); defaults to $ORBIPLEX_OPERATOR, then the config's ` +
      `operator.listen, then ${DEFAULT_OPERATOR_ADDRESS}`
  ),
  Options.withFallbackConfig(Config.string("ORBIPLEX_OPERATOR")),
  Options.optional
)

/** What `status` and `module` are given to find the node: its address and its config (for the token). */
export interface TargetArgs {
  readonly operator?: Option.Option<string> | string
  readonly config?: Option.Option<string> | string
}

const optionOf = (value: Option.Option<string> | string | undefined): Option.Option<string> =>
  value === undefined ? Option.none() : typeof value === "string" ? Option.some(value) : value

const clientFor = (args: TargetArgs) =>
  Effect.flatMap(
    resolveTarget({ operator: optionOf(args.operator), config: optionOf(args.config) }),
    (target) => makeOperatorClient(target.url, target.token)
  )

/**
 * Prints the member table (or, with `json`, the statuses as JSON) of the node at `operator`, and
 * answers the exit code the command ends with (`statusExitCode`).
 */
export const statusHandler = (args: TargetArgs & { readonly json?: boolean }) =>
  Effect.gen(function*() {
    const client = yield* clientFor(args)
    const members = yield* client.list
    if (args.json === true) {
      yield* Console.log(JSON.stringify({ members: members.map((status) => encodeStatus(status)) }, null, 2))
    } else {
      for (const line of formatStatusTable(members)) yield* Console.log(line)
    }
    return statusExitCode(members)
  }).pipe(Effect.provide(NodeHttpClient.layerUndici))

const encodeStatus = Schema.encodeSync(ModuleStatus)

const jsonOption = Options.boolean("json").pipe(Options.withDescription("print the statuses as JSON instead of a table"))

/** `orbiplex status`. */
export const statusCommand = Command.make(
  "status",
  { operator: operatorOption, config: configOption, json: jsonOption },
  (args) =>
    Effect.flatMap(statusHandler(args), (code) =>
      // runMain ends a succeeding program with the process's own exit code: 3 tells a script that
      // the node answers but is not whole, 1 (a failure) that no node answers.
      Effect.sync(() => {
        process.exitCode = code
      }))
).pipe(
  Command.withDescription(
    "print every member of a running node (id, kind, state, pid, port, uptime, restarts, last exit, CPU% since " +
      "the process started, RSS) from its operator API; exit 0 when all are ready, degraded or starting, 3 when one " +
      `is failed, stopped or stopping, 1 when no node answers. The token is read from the config's data_dir/${TOKEN_FILE}, or from $${TOKEN_ENV}`
  )
)

const actionArg = Args.choice([["start", "start"], ["stop", "stop"], ["restart", "restart"]] as const, { name: "action" })
const idArg = Args.text({ name: "id" }).pipe(Args.withDescription("the module's executor id (see `orbiplex status`)"))

/** Runs one action on one module and prints its status afterwards. */
export const moduleHandler = (args: TargetArgs & { readonly action: "start" | "stop" | "restart"; readonly id: string }) =>
  Effect.gen(function*() {
    const client = yield* clientFor(args)
    const status = yield* client.act(args.id, args.action)
    for (const line of formatStatusTable([status])) yield* Console.log(line)
  }).pipe(Effect.provide(NodeHttpClient.layerUndici))

/** `orbiplex module <start|stop|restart> <id>`. */
export const moduleCommand = Command.make(
  "module",
  { operator: operatorOption, config: configOption, action: actionArg, id: idArg },
  moduleHandler
).pipe(
  Command.withDescription("start, stop or restart one module of a running node through its operator API; start/restart wait until it serves or fails")
)
