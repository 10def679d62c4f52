/**
 * What `orbiplex pipeline run <name> --config <file> --input <json>` does: starts the config's providers
 * (supervised ones included), runs one pipeline, prints the run as JSON on stdout (logs go to
 * stderr), and exits non-zero when a step failed or the pipeline could not run.
 */
import { Console, Effect, Either, Layer, type Option, Schema } from "effect"
import { loadNodeConfig } from "../config/ConfigLoader.js"
import { isJsonObject, type Json, parseJsonText } from "../contract/Json.js"
import type { WorkClient } from "../operator/WorkClient.js"
import * as OrbiplexNode from "../node/OrbiplexNode.js"
import { PipelineFailed } from "../pipeline/Execute.js"
import * as PipelineNode from "../node/PipelineNode.js"
import { Pipelines } from "../pipeline/Pipelines.js"
import { runJson } from "../pipeline/RunReport.js"
import * as LifecycleLog from "../supervisor/LifecycleLog.js"
import { resolveConfigFile } from "./ConfigFile.js"
import { onNodeOrStandalone, type WorkPlace } from "./WorkTarget.js"

/** `--input` is not JSON. */
export class PipelineInputNotJson extends Schema.TaggedError<PipelineInputNotJson>("orbiplex/cli/PipelineInputNotJson")("PipelineInputNotJson", {
  input: Schema.String,
  reason: Schema.String
}) {
  /** What was wrong and how to write it. */
  override get message(): string {
    return `--input is not JSON (${this.reason}): ${JSON.stringify(this.input.slice(0, 120))}. Write the pipeline inputs as a JSON object, for example --input '{"text":"hello"}'.`
  }
}

/** What `pipeline run` is given. */
export interface PipelineRunArgs {
  readonly config: Option.Option<string>
  readonly name: string
  /** The inputs: JSON text (parsed here), or already parsed (the command's option decodes it). */
  readonly input: string | Json
}

/** Loads the config, runs the pipeline and returns the printed JSON with the run; the node is stopped after. */
export const pipelineRun = Effect.fn("PipelineCommand.run")(function*(args: PipelineRunArgs) {
  const file = yield* resolveConfigFile(args.config)
  const input = typeof args.input !== "string" ? args.input : yield* Either.match(parseJsonText(args.input), {
    onLeft: (reason) => Effect.fail(new PipelineInputNotJson({ input: String(args.input), reason })),
    onRight: Effect.succeed
  })
  const config = yield* loadNodeConfig(file)
  const setup = yield* PipelineNode.setupFromConfig(file, config)
  const layer = PipelineNode.layer(setup).pipe(Layer.provide(LifecycleLog.layer))
  const run = yield* Effect.flatMap(Pipelines, (pipelines) => pipelines.run(args.name, input)).pipe(
    Effect.provide(layer),
    Effect.provide(OrbiplexNode.logLevelLayer(config.node.log_level))
  )
  return { run, text: JSON.stringify(runJson(run), null, 2) }
})

/** Prints the run and fails with `PipelineFailed` when a step failed (so the exit code is 1). */
export const pipelineRunHandler = (args: PipelineRunArgs) =>
  Effect.gen(function*() {
    const { run, text } = yield* pipelineRun(args)
    yield* Console.log(text)
    const result = run.result
    if (!result.success) {
      return yield* new PipelineFailed({ pipeline: result.pipeline, failures: result.failures, outputs: result.outputs })
    }
  })

/** A pipeline the node ran had a failed step (its JSON was printed). */
export class PipelineRunNotPassed extends Schema.TaggedError<PipelineRunNotPassed>("orbiplex/cli/PipelineRunNotPassed")("PipelineRunNotPassed", {
  pipeline: Schema.String
}) {
  override get message(): string {
    return `pipeline ${this.pipeline}: a step failed on the node (the run on stdout names the step and why)`
  }
}

/** `pipeline run` on the running node: the same JSON on stdout, exit 1 when a step failed. */
export const pipelineRunOnNode = (client: WorkClient, args: PipelineRunArgs) =>
  Effect.gen(function*() {
    const input = typeof args.input !== "string" ? args.input : yield* Either.match(parseJsonText(args.input), {
      onLeft: (reason) => Effect.fail(new PipelineInputNotJson({ input: String(args.input), reason })),
      onRight: Effect.succeed
    })
    const { run } = yield* client.runPipeline(args.name, { input })
    yield* Console.log(JSON.stringify(run, null, 2))
    if (isJsonObject(run) && run["success"] === false) return yield* new PipelineRunNotPassed({ pipeline: args.name })
  })

/** `pipeline run`: on the running node, or standalone with this command's own providers. */
export const pipelineRunMain = (args: PipelineRunArgs & WorkPlace) =>
  onNodeOrStandalone(args, (client) => pipelineRunOnNode(client, args), pipelineRunHandler(args))
