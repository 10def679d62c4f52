/**
 * `orbiplex start`: its options; the node it runs (StartHandlers and the whole layer graph) is
 * loaded when it runs.
 */
import { Command } from "@effect/cli"
import { configOption } from "./ConfigFile.js"
import { lazily } from "./Lazy.js"

/** The start command. */
export const startCommand = Command.make("start", { config: configOption }, (args) =>
  lazily(() => import("./StartHandlers.js"), (module) => module.startHandler(args))).pipe(
    Command.withDescription("run the node: supervise the configured modules until interrupted")
  )
