/**
 * `orbiplex hook run <hook> --config <file> --payload <json>`: its options; the chain runner and
 * the node it starts (or the work client) are loaded when it runs (HookHandlers).
 */
import { Args, Command, Options } from "@effect/cli"
import { configOption } from "./ConfigFile.js"
import { lazily } from "./Lazy.js"
import { operatorOption, standaloneOption } from "./TargetOptions.js"

const run = Command.make(
  "run",
  {
    hook: Args.text({ name: "hook" }).pipe(Args.withDescription("the hook to run, e.g. service.publish")),
    config: configOption,
    operator: operatorOption,
    standalone: standaloneOption,
    payload: Options.text("payload").pipe(
      Options.withDescription("the payload: a JSON object, or @file to read it from a file")
    ),
    correlation: Options.text("correlation-id").pipe(
      Options.withDescription("the correlation id of the run (generated when absent)"),
      Options.optional
    ),
    deadline: Options.text("deadline").pipe(
      Options.withDescription("a bound on the whole command, module starts included, e.g. \"10s\" (each executor also has its hook's deadline)"),
      Options.optional
    )
  },
  (args) => lazily(() => import("./HookHandlers.js"), (module) => module.hookRun(args))
).pipe(Command.withDescription(
  "run one chain on the running node (or, with --standalone or when none answers, with this command's own modules) and print the result as JSON"
))

/** The `hook` command and its `run` subcommand. */
export const hookCommand = Command.make("hook").pipe(
  Command.withDescription("run middleware chains by hand"),
  Command.withSubcommands([run])
)
