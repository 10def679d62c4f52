/**
 * `orbiplex console`: its options; finding the node and its token is loaded when it runs
 * (ConsoleHandlers).
 */
import { Command } from "@effect/cli"
import { configOption } from "./ConfigFile.js"
import { lazily } from "./Lazy.js"
import { operatorOption } from "./TargetOptions.js"

/** `orbiplex console`. */
export const consoleCommand = Command.make("console", { operator: operatorOption, config: configOption }, (args) =>
  lazily(() => import("./ConsoleHandlers.js"), (module) => module.consoleHandler(args))).pipe(
    Command.withDescription(
      "print the URL that signs a browser in to a running node's web console (the node's operator API serves it at /)"
    )
  )
