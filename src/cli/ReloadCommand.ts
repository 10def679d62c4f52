/**
 * `orbiplex reload`: its options; the operator client is loaded when it runs (ReloadHandlers).
 */
import { Command } from "@effect/cli"
import { configOption } from "./ConfigFile.js"
import { lazily } from "./Lazy.js"
import { operatorOption } from "./TargetOptions.js"

/** `orbiplex reload`. */
export const reloadCommand = Command.make("reload", { operator: operatorOption, config: configOption }, (args) =>
  lazily(() => import("./ReloadHandlers.js"), (module) => module.reloadHandler(args))).pipe(
    Command.withDescription(
      "make a running node read its config file again: modules whose entries changed restart, new ones start, removed ones " +
        "stop, the others keep running; a config with problems is refused and nothing changes (also: SIGHUP to the node)"
    )
  )
