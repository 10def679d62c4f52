/**
 * What `orbiplex hook run <hook> --config <file> --payload <json>` does: start the configured modules, run one
 * chain, print its outcome, final payload and trace as JSON on stdout, stop everything, and exit
 * non-zero when the chain was rejected or failed.
 */
import { FileSystem } from "@effect/platform"
import { Console, Duration, Effect, Either, Option, Schema } from "effect"
import { loadNodeConfig } from "../config/ConfigLoader.js"
import { isJsonObject, type JsonObject, parseJsonText } from "../contract/Json.js"
import { parseMillis } from "../contract/DurationString.js"
import * as ChainRunner from "../middleware/ChainRunner.js"
import { ChainResult } from "../middleware/ChainTrace.js"
import * as OrbiplexNode from "../node/OrbiplexNode.js"
import * as Supervisor from "../supervisor/Supervisor.js"
import type { WorkClient } from "../operator/WorkClient.js"
import { resolveConfigFile } from "./ConfigFile.js"
import { onNodeOrStandalone } from "./WorkTarget.js"

/** The `--payload` is neither JSON nor a readable `@file`, or not a JSON object. */
export class PayloadUnreadable extends Schema.TaggedError<PayloadUnreadable>()("PayloadUnreadable", {
  source: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `cannot use the payload ${this.source}: ${this.reason}. Pass a JSON object, e.g. --payload '{"offer": {...}}', ` +
      `or a file with --payload @payload.json`
  }
}

/** A command-line option has a value the command cannot use. */
export class OptionInvalid extends Schema.TaggedError<OptionInvalid>()("OptionInvalid", {
  option: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `cannot use ${this.option}: ${this.reason}`
  }
}

/** The chain ran but was rejected or failed; its JSON was printed. */
export class ChainNotPassed extends Schema.TaggedError<ChainNotPassed>()("ChainNotPassed", {
  hook: Schema.String,
  outcome: Schema.String,
  reason: Schema.optional(Schema.String)
}) {
  override get message(): string {
    return `hook ${this.hook}: the chain ${this.outcome}${this.reason === undefined ? "" : `: ${this.reason}`} ` +
      `(the trace on stdout names the executor and why)`
  }
}

/** `--deadline` passed before the command finished; everything it started was stopped. */
export class HookRunDeadlineExceeded extends Schema.TaggedError<HookRunDeadlineExceeded>()("HookRunDeadlineExceeded", {
  hook: Schema.String,
  deadline_ms: Schema.Int
}) {
  override get message(): string {
    return `hook run ${this.hook}: --deadline ${this.deadline_ms} ms passed before the chain finished (modules may ` +
      `still have been starting: the log above says which); everything started was stopped. Raise --deadline or ` +
      `fix the slow module`
  }
}

/** Reads `--payload`: inline JSON, or `@path` to a JSON file. */
export const readPayload = (text: string) =>
  Effect.gen(function*() {
    const source = text.startsWith("@") ? text.slice(1) : "(inline)"
    const raw = text.startsWith("@")
      ? yield* (yield* FileSystem.FileSystem).readFileString(source).pipe(
        Effect.mapError((error) => new PayloadUnreadable({ source, reason: error.message }))
      )
      : text
    const parsed = parseJsonText(raw)
    if (Either.isLeft(parsed)) return yield* new PayloadUnreadable({ source, reason: `not JSON (${parsed.left})` })
    if (!isJsonObject(parsed.right)) return yield* new PayloadUnreadable({ source, reason: "not a JSON object" })
    const payload: JsonObject = parsed.right
    return payload
  })

/** What one chain run is asked: the hook, its payload (JSON or `@file`), and optional correlation and deadline. */
export interface HookRunArgs {
  readonly hook: string
  readonly payload: string
  readonly correlationId?: string
  readonly deadlineMs?: number
}

/** What one `hook run` does, without the argument parsing: returns the printed result. */
export const runHookOnce = (args: HookRunArgs & { readonly file: string }) =>
  Effect.gen(function*() {
    const config = yield* loadNodeConfig(args.file)
    const payload = yield* readPayload(args.payload)
    const result = yield* Effect.gen(function*() {
      const runner = yield* ChainRunner.ChainRunner
      // The supervisor's build returns while modules start; a one-shot run waits for them (within
      // --deadline) so a slow module is not skipped as not ready.
      yield* Supervisor.awaitSettled
      return yield* runner.runHook(args.hook, payload, {
        ...(args.correlationId === undefined ? {} : { correlationId: args.correlationId }),
        ...(args.deadlineMs === undefined ? {} : { deadlineMs: args.deadlineMs })
      })
    }).pipe(
      // Providing the layer here scopes the modules to this run: they are stopped before we return.
      Effect.provide(
        OrbiplexNode.layer(config)
      ),
      // The deadline bounds the whole run, module starts included, not just the chain.
      (run) =>
        args.deadlineMs === undefined
          ? run
          : Effect.timeoutFail(run, {
            duration: Duration.millis(args.deadlineMs),
            onTimeout: () => new HookRunDeadlineExceeded({ hook: args.hook, deadline_ms: args.deadlineMs ?? 0 })
          }),
      Effect.provide(OrbiplexNode.logLevelLayer(config.node.log_level))
    )
    return yield* reportChain(args.hook, result)
  })

/** Prints a chain's result and fails with `ChainNotPassed` when it was rejected or failed. */
const reportChain = (hook: string, result: ChainResult) =>
  Effect.gen(function*() {
    yield* Console.log(JSON.stringify(yield* Schema.encode(ChainResult)(result), null, 2))
    if (result.outcome === "rejected" || result.outcome === "failed") {
      return yield* new ChainNotPassed({ hook, outcome: result.outcome, ...(result.reason === undefined ? {} : { reason: result.reason }) })
    }
    return result
  })

/** `hook run` on the running node: the same JSON on stdout, the same exit code. */
export const runHookOnNode = (client: WorkClient, args: HookRunArgs) =>
  Effect.gen(function*() {
    const payload = yield* readPayload(args.payload)
    const result = yield* client.runHook(args.hook, {
      payload,
      ...(args.correlationId === undefined ? {} : { correlation_id: args.correlationId }),
      ...(args.deadlineMs === undefined ? {} : { deadline_ms: args.deadlineMs })
    })
    return yield* reportChain(args.hook, result)
  })

/** What the `hook run` command line gave. */
export interface HookRunOptions {
  readonly hook: string
  readonly config: Option.Option<string>
  readonly operator: Option.Option<string>
  readonly standalone: boolean
  readonly payload: string
  readonly correlation: Option.Option<string>
  readonly deadline: Option.Option<string>
}

/** `hook run`: on the running node, or standalone with this command's own modules. */
export const hookRun = ({ config, correlation, deadline, hook, operator, payload, standalone }: HookRunOptions) =>
  Effect.gen(function*() {
    const file = yield* resolveConfigFile(config)
    const deadlineMs = Option.flatMap(deadline, parseMillis)
    if (Option.isSome(deadline) && Option.isNone(deadlineMs)) {
      return yield* new OptionInvalid({
        option: "--deadline",
        reason: `${JSON.stringify(deadline.value)} is not a duration: write a number and a unit, such as "10s" or "500ms"`
      })
    }
    const args = {
      hook,
      payload,
      ...Option.match(correlation, { onNone: () => ({}), onSome: (correlationId) => ({ correlationId }) }),
      ...Option.match(deadlineMs, { onNone: () => ({}), onSome: (ms) => ({ deadlineMs: ms }) })
    }
    yield* onNodeOrStandalone(
      { standalone, operator, config: Option.some(file) },
      (client) => runHookOnNode(client, args),
      runHookOnce({ file, ...args })
    )
  })
