/**
 * `orbiplex workflow run | list | show | cancel`: their options; the node a standalone run starts
 * and the work client are loaded when one runs (WorkflowHandlers).
 */
import { Args, Command, Options } from "@effect/cli"
import { Schema } from "effect"
import { JsonObject } from "../contract/Json.js"
import { configOption } from "./ConfigFile.js"
import { lazily } from "./Lazy.js"
import { operatorOption, standaloneOption } from "./TargetOptions.js"

const handlers = () => import("./WorkflowHandlers.js")

/** `workflow run`. */
export const workflowRunCommand = Command.make(
  "run",
  {
    template: Args.text({ name: "template" }).pipe(
      Args.withDescription("a workflow template file, or the name of a shipped one (e.g. morning-briefing)")
    ),
    config: configOption,
    json: Options.boolean("json").pipe(Options.withDescription("print the run (state or failure) as JSON on stdout")),
    params: Options.text("params").pipe(
      Options.withDescription("template params as a JSON object, e.g. '{\"date\": \"2026-03-30\"}'"),
      Options.withSchema(Schema.parseJson(JsonObject)),
      Options.optional
    ),
    runId: Options.text("run-id").pipe(
      Options.withDescription("resume the stored run with this id (an unknown id is an error that lists the stored runs)"),
      Options.optional
    ),
    newRunId: Options.text("new-run-id").pipe(
      Options.withDescription("the id of a new run (generated when absent)"),
      Options.optional
    ),
    follow: Options.boolean("follow").pipe(Options.withDescription("on the node: print the phases as the node runs them, exit 1 unless it completed")),
    operator: operatorOption,
    standalone: standaloneOption
  },
  (args) => lazily(handlers, (module) => module.workflowRunMain(args))
).pipe(Command.withDescription(
  "start a workflow run on the running node (--follow prints its phases); with --standalone (or when none answers) run it here with the configured modules; exit 1 unless it completed"
))

const runIdArg = Args.text({ name: "id" }).pipe(Args.withDescription("the run id (see `orbiplex workflow list`)"))

/** `workflow list`. */
export const workflowListCommand = Command.make("list", { config: configOption, operator: operatorOption }, (args) =>
  lazily(handlers, (module) => module.listRuns(args))).pipe(Command.withDescription("list the workflow runs of the running node"))

/** `workflow show <id>`. */
export const workflowShowCommand = Command.make(
  "show",
  { config: configOption, operator: operatorOption, id: runIdArg, json: Options.boolean("json").pipe(Options.withDescription("print the run as JSON")) },
  (args) => lazily(handlers, (module) => module.showRun(args))
).pipe(Command.withDescription("show one workflow run of the running node: its phases and where it is"))

/** `workflow cancel <id>`. */
export const workflowCancelCommand = Command.make("cancel", { config: configOption, operator: operatorOption, id: runIdArg }, (args) =>
  lazily(handlers, (module) => module.cancelRun(args))).pipe(Command.withDescription("cancel a workflow run the running node drives"))

/** `workflow`, with its subcommands. */
export const workflowCommand = Command.make("workflow").pipe(
  Command.withDescription("multi-phase workflows driven by Orbiplex Arca"),
  Command.withSubcommands([workflowRunCommand, workflowListCommand, workflowShowCommand, workflowCancelCommand])
)
