/**
 * `orbiplex logs [<id>...] [-f] [-n N] [--since 10m] [--json]`: its options; reading the node's
 * logs API or its files is loaded when it runs (LogsHandlers).
 */
import { Args, Command, Options } from "@effect/cli"
import { configOption } from "./ConfigFile.js"
import { lazily } from "./Lazy.js"
import { operatorOption } from "./TargetOptions.js"

const idsArg = Args.text({ name: "id" }).pipe(
  Args.withDescription("members to show (a component id such as middleware.dator, its last part such as dator, or host); all when none"),
  Args.repeated
)

/** `orbiplex logs`. */
export const logsCommand = Command.make("logs", {
  ids: idsArg,
  follow: Options.boolean("follow").pipe(Options.withAlias("f"), Options.withDescription("keep printing new entries until interrupted")),
  lines: Options.integer("lines").pipe(Options.withAlias("n"), Options.withDefault(50), Options.withDescription("how many of the latest entries to print first")),
  since: Options.text("since").pipe(Options.optional, Options.withDescription("only entries newer than an age (10m, 2h, 1d) or an ISO timestamp")),
  json: Options.boolean("json").pipe(Options.withDescription("one JSON entry per line instead of text")),
  operator: operatorOption,
  config: configOption,
  dir: Options.directory("dir").pipe(Options.optional, Options.withDescription("read the files in this folder (default: <data_dir>/logs of the config)"))
}, (args) => lazily(() => import("./LogsHandlers.js"), (module) => module.logsHandler(args))).pipe(
  Command.withDescription("print the node's log entries: from the running node's operator API, else from its files under <data_dir>/logs")
)
