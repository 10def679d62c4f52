/**
 * `orbiplex service unit [--config]`: its options; the config check it makes first is loaded when
 * it runs (ServiceHandlers).
 */
import { Command } from "@effect/cli"
import { configOption } from "./ConfigFile.js"
import { lazily } from "./Lazy.js"

const unitCommand = Command.make("unit", { config: configOption }, (args) =>
  lazily(() => import("./ServiceHandlers.js"), (module) => module.printUnit(args))).pipe(
    Command.withDescription("print a systemd unit that runs this node with this config")
  )

/** `orbiplex service`. */
export const serviceCommand = Command.make("service").pipe(
  Command.withDescription("run the node as a system service"),
  Command.withSubcommands([unitCommand])
)
