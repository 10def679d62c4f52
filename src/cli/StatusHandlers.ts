/**
 * What `orbiplex status` and `orbiplex module <start|stop|restart> <id>` do: talk to a running
 * node's operator API (loopback HTTP). A node that does not answer ends the command with exit code
 * 1 and a message saying how to start it with the operator API enabled.
 */
import * as CliHttp from "./CliHttp.js"
import { Console, Effect, Option, Schema } from "effect"
import { ModuleStatus } from "../contract/ModuleStatus.js"
import { makeOperatorClient } from "../operator/OperatorClient.js"
import { resolveTarget } from "./OperatorTarget.js"
import { formatStatusTable, statusExitCode } from "./StatusTable.js"
import type { TargetArgs } from "./TargetOptions.js"

export { formatStatusTable, statusExitCode } from "./StatusTable.js"

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
  }).pipe(Effect.provide(CliHttp.layer))

/** `orbiplex status` as a whole: the table, then the exit code. */
export const statusMain = (args: TargetArgs & { readonly json?: boolean }) =>
  Effect.flatMap(statusHandler(args), (code) =>
    // runMain ends a succeeding program with the process's own exit code: 3 tells a script that
    // the node answers but is not whole, 1 (a failure) that no node answers.
    Effect.sync(() => {
      process.exitCode = code
    }))

const encodeStatus = Schema.encodeSync(ModuleStatus)

/** Runs one action on one module and prints its status afterwards. */
export const moduleHandler = (args: TargetArgs & { readonly action: "start" | "stop" | "restart"; readonly id: string }) =>
  Effect.gen(function*() {
    const client = yield* clientFor(args)
    const status = yield* client.act(args.id, args.action)
    for (const line of formatStatusTable([status])) yield* Console.log(line)
  }).pipe(Effect.provide(CliHttp.layer))
