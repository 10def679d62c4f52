/**
 * `orbiplex pipeline run <name> --config <file> --input <json>`: its options; the providers and
 * pipelines it runs (or the work client) are loaded when it runs (PipelineHandlers).
 */
import { Args, Command, Options } from "@effect/cli"
import { type Json, JsonFromString } from "../contract/Json.js"
import { configOption } from "./ConfigFile.js"
import { lazily } from "./Lazy.js"
import { operatorOption, standaloneOption } from "./TargetOptions.js"

/** `pipeline run`. */
export const pipelineRunCommand = Command.make(
  "run",
  {
    config: configOption,
    operator: operatorOption,
    standalone: standaloneOption,
    name: Args.text({ name: "name" }).pipe(Args.withDescription("the pipeline to run, as named under \"pipelines\" in the config")),
    input: Options.text("input").pipe(
      Options.withAlias("i"),
      Options.withDescription("the pipeline inputs as a JSON object, e.g. '{\"text\":\"hello\"}'"),
      Options.withSchema(JsonFromString),
      Options.withDefault<Json>({})
    )
  },
  (args) => lazily(() => import("./PipelineHandlers.js"), (module) => module.pipelineRunMain(args))
).pipe(Command.withDescription(
  "run one pipeline on the running node (or, with --standalone or when none answers, here) and print its result as JSON; exit 1 if a step failed"
))

/** `pipeline`, with its subcommands. */
export const pipelineCommand = Command.make("pipeline").pipe(
  Command.withDescription("pipelines of typed modules: in-process TypeScript and RFC-024 providers"),
  Command.withSubcommands([pipelineRunCommand])
)
