/**
 * `orbiplex status` and `orbiplex module <start|stop|restart> <id>`: their options; the HTTP work
 * is in StatusHandlers, loaded when one of them runs.
 */
import { Args, Command, Options } from "@effect/cli"
import { TOKEN_ENV, TOKEN_FILE } from "../operator/OperatorToken.js"
import { configOption } from "./ConfigFile.js"
import { lazily } from "./Lazy.js"
import { operatorOption } from "./TargetOptions.js"

const handlers = () => import("./StatusHandlers.js")

const jsonOption = Options.boolean("json").pipe(Options.withDescription("print the statuses as JSON instead of a table"))

/** `orbiplex status`. */
export const statusCommand = Command.make(
  "status",
  { operator: operatorOption, config: configOption, json: jsonOption },
  (args) => lazily(handlers, (module) => module.statusMain(args))
).pipe(
  Command.withDescription(
    "print every member of a running node (id, kind, state, pid, port, uptime, restarts, last exit, CPU% since " +
      "the process started, RSS) from its operator API; exit 0 when all are ready, degraded or starting, 3 when one " +
      `is failed, stopped or stopping, 1 when no node answers. The token is read from the config's data_dir/${TOKEN_FILE}, or from $${TOKEN_ENV}`
  )
)

const actionArg = Args.choice([["start", "start"], ["stop", "stop"], ["restart", "restart"]] as const, { name: "action" })
const idArg = Args.text({ name: "id" }).pipe(Args.withDescription("the module's executor id (see `orbiplex status`)"))

/** `orbiplex module <start|stop|restart> <id>`. */
export const moduleCommand = Command.make(
  "module",
  { operator: operatorOption, config: configOption, action: actionArg, id: idArg },
  (args) => lazily(handlers, (module) => module.moduleHandler(args))
).pipe(
  Command.withDescription("start, stop or restart one module of a running node through its operator API; start/restart wait until it serves or fails")
)
