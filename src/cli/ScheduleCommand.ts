/**
 * `orbiplex schedule list`: its options; the work client and the config loader are loaded when it
 * runs (ScheduleHandlers).
 */
import { Command, Options } from "@effect/cli"
import { configOption } from "./ConfigFile.js"
import { lazily } from "./Lazy.js"
import { operatorOption } from "./TargetOptions.js"

const list = Command.make(
  "list",
  {
    config: configOption,
    operator: operatorOption,
    count: Options.integer("count").pipe(Options.withDescription("how many next firings to show"), Options.withDefault(3))
  },
  (args) => lazily(() => import("./ScheduleHandlers.js"), (module) => module.listSchedules(args))
).pipe(Command.withDescription("list the schedules with their next firings (from the running node, else from the config)"))

/** `schedule`, with its subcommands. */
export const scheduleCommand = Command.make("schedule").pipe(
  Command.withDescription("workflows the node starts by cron"),
  Command.withSubcommands([list])
)
