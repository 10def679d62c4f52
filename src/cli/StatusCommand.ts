/**
 * `orbiplex status` and `orbiplex module <start|stop|restart> <id>`: talk to a running node's
 * operator API (loopback HTTP). A node that does not answer ends the command with exit code 1 and
 * a message saying how to start it with the operator API enabled.
 */
import { Args, Command, Options } from "@effect/cli"
import { NodeHttpClient } from "@effect/platform-node"
import { Config, Console, Effect, Option } from "effect"
import type { ModuleStatus } from "../contract/ModuleStatus.js"
import { makeOperatorClient } from "../operator/OperatorClient.js"
import { DEFAULT_OPERATOR_ADDRESS } from "../operator/OperatorConfig.js"
import { TOKEN_ENV, TOKEN_FILE } from "../operator/OperatorToken.js"
import { configOption } from "./ConfigFile.js"
import { resolveTarget } from "./OperatorTarget.js"

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

const COLUMNS = ["ID", "STATE", "PID", "VERSION", "RESTARTS", "SINCE"] as const

/** The status table, one row per module, columns padded to their widest cell. */
export const formatStatusTable = (modules: ReadonlyArray<ModuleStatus>): ReadonlyArray<string> => {
  if (modules.length === 0) return ["no modules configured"]
  const rows = modules.map((status) => [
    status.executor_id,
    status.state,
    status.pid === undefined ? "-" : String(status.pid),
    status.module_version ?? "-",
    String(status.restarts),
    status.since
  ])
  const table: ReadonlyArray<ReadonlyArray<string>> = [COLUMNS, ...rows]
  const widths = COLUMNS.map((_, column) => Math.max(...table.map((row) => (row[column] ?? "").length)))
  const lines = table.map((row) => row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join("  ").trimEnd())
  // A failed module's last error is what the operator needs next; it goes under the table.
  const errors = modules.flatMap((status) =>
    status.state === "failed" && status.last_error !== undefined ? [`${status.executor_id}: ${status.last_error}`] : []
  )
  return errors.length === 0 ? lines : [...lines, "", ...errors]
}

const clientFor = (args: TargetArgs) =>
  Effect.flatMap(
    resolveTarget({ operator: optionOf(args.operator), config: optionOf(args.config) }),
    (target) => makeOperatorClient(target.url, target.token)
  )

/** Prints the module table of the node at `operator`. */
export const statusHandler = (args: TargetArgs) =>
  Effect.gen(function*() {
    const client = yield* clientFor(args)
    const modules = yield* client.list
    for (const line of formatStatusTable(modules)) yield* Console.log(line)
  }).pipe(Effect.provide(NodeHttpClient.layerUndici))

/** `orbiplex status`. */
export const statusCommand = Command.make("status", { operator: operatorOption, config: configOption }, statusHandler).pipe(
  Command.withDescription(
    "print every module of a running node (id, state, pid, version, restarts, since) from its operator API; " +
      `the token is read from the config's data_dir/${TOKEN_FILE}, or from $${TOKEN_ENV}`
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
