/**
 * `orbiplex status` and `orbiplex module <start|stop|restart> <id>`: talk to a running node's
 * operator API (loopback HTTP). A node that does not answer ends the command with exit code 1 and
 * a message saying how to start it with the operator API enabled.
 */
import { Args, Command, Options } from "@effect/cli"
import { NodeHttpClient } from "@effect/platform-node"
import { Config, Console, Effect } from "effect"
import type { ModuleStatus } from "../contract/ModuleStatus.js"
import { makeOperatorClient, parseOperatorAddress } from "../operator/OperatorClient.js"
import { baseUrl, DEFAULT_OPERATOR_ADDRESS } from "../operator/OperatorConfig.js"

/** `--operator host:port`, falling back to `ORBIPLEX_OPERATOR`, then 127.0.0.1:7070. */
export const operatorOption = Options.text("operator").pipe(
  Options.withDescription(`the node's operator API address (loopback host:port); defaults to $ORBIPLEX_OPERATOR, then ${DEFAULT_OPERATOR_ADDRESS}`),
  Options.withFallbackConfig(Config.string("ORBIPLEX_OPERATOR")),
  Options.withDefault(DEFAULT_OPERATOR_ADDRESS)
)

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

const clientAt = (operator: string) =>
  Effect.flatMap(parseOperatorAddress(operator), (address) => makeOperatorClient(baseUrl(address)))

/** Prints the module table of the node at `operator`. */
export const statusHandler = (args: { readonly operator: string }) =>
  Effect.gen(function*() {
    const client = yield* clientAt(args.operator)
    const modules = yield* client.list
    for (const line of formatStatusTable(modules)) yield* Console.log(line)
  }).pipe(Effect.provide(NodeHttpClient.layerUndici))

/** `orbiplex status`. */
export const statusCommand = Command.make("status", { operator: operatorOption }, statusHandler).pipe(
  Command.withDescription("print every module of a running node (id, state, pid, version, restarts, since) from its operator API")
)

const actionArg = Args.choice([["start", "start"], ["stop", "stop"], ["restart", "restart"]] as const, { name: "action" })
const idArg = Args.text({ name: "id" }).pipe(Args.withDescription("the module's executor id (see `orbiplex status`)"))

/** Runs one action on one module and prints its status afterwards. */
export const moduleHandler = (args: { readonly operator: string; readonly action: "start" | "stop" | "restart"; readonly id: string }) =>
  Effect.gen(function*() {
    const client = yield* clientAt(args.operator)
    const status = yield* client.act(args.id, args.action)
    for (const line of formatStatusTable([status])) yield* Console.log(line)
  }).pipe(Effect.provide(NodeHttpClient.layerUndici))

/** `orbiplex module <start|stop|restart> <id>`. */
export const moduleCommand = Command.make(
  "module",
  { operator: operatorOption, action: actionArg, id: idArg },
  moduleHandler
).pipe(
  Command.withDescription("start, stop or restart one module of a running node through its operator API; start/restart wait until it serves or fails")
)
