/**
 * `orbiplex validate`: its options; the check (which loads the pipeline and provider setup) is
 * loaded when it runs.
 */
import { Command } from "@effect/cli"
import { configOption } from "./ConfigFile.js"
import { lazily } from "./Lazy.js"

/** The validate command. */
export const validateCommand = Command.make("validate", { config: configOption }, (args) =>
  lazily(() => import("./ValidateHandlers.js"), (module) => module.validateHandler(args))).pipe(
    Command.withDescription("check a config file and exit non-zero if anything is wrong")
  )
