#!/usr/bin/env node
/**
 * The `orbiplex` command line: config → layers → NodeRuntime.runMain.
 */
import { Command, ValidationError } from "@effect/cli"
// The modules themselves, not the package's index: the index loads cluster, sockets and the HTTP
// server, which no command needs just to parse its arguments.
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Cause, Console, Effect } from "effect"
import { consoleCommand } from "./cli/ConsoleCommand.js"
import { hookCommand } from "./cli/HookCommand.js"
import { identityCommand } from "./cli/IdentityCommand.js"
import { ledgerCommand } from "./cli/LedgerCommand.js"
import { logsCommand } from "./cli/LogsCommand.js"
import { pipelineCommand } from "./cli/PipelineCommand.js"
import { orderCommand } from "./cli/OrderCommand.js"
import { providerCommand } from "./cli/ProviderCommand.js"
import { scheduleCommand } from "./cli/ScheduleCommand.js"
import { reloadCommand } from "./cli/ReloadCommand.js"
import { serviceCommand } from "./cli/ServiceCommand.js"
import { startCommand } from "./cli/StartCommand.js"
import { moduleCommand, statusCommand } from "./cli/StatusCommand.js"
import { validateCommand } from "./cli/ValidateCommand.js"
import { workflowCommand } from "./cli/WorkflowCommand.js"
import * as LineLogger from "./internal/LineLogger.js"
import { HOST_VERSION } from "./node/HostVersion.js"

const orbiplex = Command.make("orbiplex").pipe(
  Command.withDescription("supervision runtime for out-of-process Orbiplex modules"),
  Command.withSubcommands([startCommand, validateCommand, hookCommand, pipelineCommand, providerCommand, workflowCommand, statusCommand, moduleCommand, logsCommand, ledgerCommand, consoleCommand, orderCommand, scheduleCommand, serviceCommand, reloadCommand, identityCommand])
)

/** The operator-facing text of a failure: its message (and the cause's, for platform errors that wrap one). */
const describeFailure = (failure: unknown): string => {
  if (!(failure instanceof Error) && !(typeof failure === "object" && failure !== null && "message" in failure)) {
    return String(failure)
  }
  const message = String(failure.message)
  const cause = "cause" in failure && failure.cause instanceof Error ? failure.cause.message : undefined
  return cause === undefined || message.includes(cause) ? message : `${message}: ${cause}`
}

const cli = Command.run(orbiplex, { name: "orbiplex", version: HOST_VERSION })

cli(process.argv).pipe(
  // Errors that cross to the operator are printed as their message, once, and end with exit code 1.
  Effect.tapErrorCause((cause) =>
    Cause.isInterruptedOnly(cause)
      ? Effect.void
      : Cause.failureOption(cause).pipe((failure) =>
        failure._tag === "None"
          ? Console.error(Cause.pretty(cause))
          // @effect/cli has already printed its own usage errors.
          : ValidationError.isValidationError(failure.value)
          ? Effect.void
          : Console.error(describeFailure(failure.value))
      )
  ),
  Effect.provide(NodeContext.layer),
  Effect.provide(LineLogger.layer),
  NodeRuntime.runMain({ disableErrorReporting: true, disablePrettyLogger: true })
)
