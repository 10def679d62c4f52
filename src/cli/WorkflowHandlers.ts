/**
 * What `orbiplex workflow run <template> --config <file> [--json] [--params <json>] [--run-id <id>]`
 * does: starts the configured modules, publishes the Dators' offers, runs the workflow through Arca
 * showing each phase as it starts, retries and ends, prints the outcome (the run as JSON with
 * `--json`, the lines then go to stderr), stops everything, and exits non-zero unless the run
 * completed. `<template>` is a file, or the name of a template shipped in modules/arca/templates/.
 * With `--run-id` naming a stored run that has not ended, the run is resumed instead.
 */
import { FileSystem, Path } from "@effect/platform"
import { Console, Effect, Either, Option, Schema, Stream } from "effect"
import { ConfigInvalid, ConfigUnreadable } from "../config/ConfigError.js"
import { decodeNodeConfig } from "../config/ConfigLoader.js"
import type { NodeConfig } from "../config/NodeConfig.js"
import { type JsonObject, parseJsonObject, parseJsonText } from "../contract/Json.js"
import * as NodeRoot from "../node/NodeRoot.js"
import { splitDocument } from "../exchange/ExchangeConfig.js"
import { OfferCatalog } from "../exchange/OfferCatalog.js"
import type { RunOutcome } from "../workflow/WorkflowRun.js"
import { WorkflowRunner } from "../workflow/WorkflowRunner.js"
import { NodeStore } from "../store/NodeStore.js"
import * as StoreLayer from "../store/StoreLayer.js"
import { WorkflowRunRepo } from "../store/WorkflowRunRepo.js"
import * as OrbiplexNode from "../node/OrbiplexNode.js"
import { factLine, LifecycleLog } from "../supervisor/LifecycleLog.js"
import { Supervisor } from "../supervisor/Supervisor.js"
import type { WorkClient } from "../operator/WorkClient.js"
import { resolveConfigFile } from "./ConfigFile.js"
import { follow, listLines, viewLines } from "./WorkflowRemote.js"
import { type NodeArgs, onNode, onNodeOrStandalone } from "./WorkTarget.js"
import { eventLine, outcomeLines, phaseOrder } from "./WorkflowLines.js"
import { loadTemplate } from "../workflow/Templates.js"

/** Templates are read by the workflow layer; re-exported for callers of this module. */
export { loadTemplate, TemplateUnreadable } from "../workflow/Templates.js"

/** `--params` is not a JSON object. */
export class ParamsUnreadable extends Schema.TaggedError<ParamsUnreadable>()("ParamsUnreadable", { reason: Schema.String }) {
  override get message(): string {
    return `--params must be a JSON object of template params, e.g. --params '{"date": "2026-03-30"}': ${this.reason}`
  }
}

/** `--run-id` names no stored run: a typo must not start a new (paid) run. */
export class UnknownRun extends Schema.TaggedError<UnknownRun>()("UnknownRun", {
  run_id: Schema.String,
  store: Schema.String,
  known: Schema.Array(Schema.String)
}) {
  override get message(): string {
    return `no stored workflow run ${JSON.stringify(this.run_id)} in ${this.store}; --run-id resumes a stored run. ` +
      `Known runs: ${this.known.join(", ") || "(none)"}. To start a new run leave --run-id out ` +
      `(--new-run-id names it)`
  }
}

/** The run ended without completing (failed or suspended); its lines and file say why. */
export class WorkflowNotCompleted extends Schema.TaggedError<WorkflowNotCompleted>()("WorkflowNotCompleted", {
  run_id: Schema.String,
  status: Schema.String,
  code: Schema.optional(Schema.String),
  file: Schema.String
}) {
  override get message(): string {
    return `workflow run ${this.run_id} ended ${this.status}${this.code === undefined ? "" : ` (${this.code})`}; ` +
      `the run is saved in ${this.file}`
  }
}

/** What `workflow run` is given. */
export interface WorkflowRunArgs {
  readonly template: string
  readonly config: Option.Option<string>
  readonly json: boolean
  /** Template params: JSON text (parsed here), or already parsed (the command's option decodes it). */
  readonly params: Option.Option<string | JsonObject>
  /** A stored run to resume; an unknown id is an error (`UnknownRun`). */
  readonly runId: Option.Option<string>
  /** The id of a new run (generated when absent). */
  readonly newRunId?: Option.Option<string>
}

/** Where the command writes: `out` is stdout, `err` is stderr (tests capture both). */
export interface Output {
  readonly out: (line: string) => Effect.Effect<void>
  readonly err: (line: string) => Effect.Effect<void>
}

/** The process's stdout and stderr. */
export const consoleOutput: Output = { out: (line) => Console.log(line), err: (line) => Console.error(line) }

/** Fails with `UnknownRun` (listing the stored runs) unless `runId` names a run in the node's store. */
export const requireStoredRun = Effect.fn("WorkflowCommand.requireStoredRun")(function*(
  config: Pick<NodeConfig, "storage" | "node">,
  runId: string
) {
  const found = yield* Effect.gen(function*() {
    const runs = yield* WorkflowRunRepo
    const store = yield* NodeStore
    const stored = yield* runs.load(runId)
    return Option.isSome(stored) ? Option.none() : Option.some({ store: store.location, known: yield* runs.list })
  }).pipe(Effect.provide(StoreLayer.layer(config.storage, config.node.data_dir)))
  if (Option.isSome(found)) return yield* new UnknownRun({ run_id: runId, ...found.value })
})

/** Loads the node config and the exchange sections (`catalog`, `procurement`, `workflow`) of one file. */
export const loadExchangeConfig = Effect.fn("WorkflowCommand.loadConfig")(function*(file: string) {
  const fs = yield* FileSystem.FileSystem
  const text = yield* fs.readFileString(file).pipe(
    Effect.mapError((error) => new ConfigUnreadable({ file, reason: `${error.message}. Check the path (--config or ORBIPLEX_CONFIG)` }))
  )
  const document = yield* Either.match(parseJsonText(text), {
    onLeft: (reason) => Effect.fail(new ConfigUnreadable({ file, reason: `not valid JSON (${reason}); fix the syntax` })),
    onRight: Effect.succeed
  })
  const split = splitDocument(document)
  if (Either.isLeft(split)) return yield* new ConfigInvalid({ file, problems: [...split.left] })
  const config = yield* decodeNodeConfig(file, split.right.rest)
  return { config, settings: split.right.settings }
})

/** The run as `--json` prints it. */
export const outcomeJson = (outcome: RunOutcome, file: string): JsonObject => ({
  run_id: outcome.run_id,
  workflow_id: outcome.workflow_id,
  status: outcome.status,
  moves: outcome.moves,
  file,
  ...(outcome.failure === undefined ? {} : {
    failure: {
      code: outcome.failure.code,
      reason: outcome.failure.reason,
      source: outcome.failure.source,
      ...(outcome.failure.phase_id === undefined ? {} : { phase_id: outcome.failure.phase_id }),
      ...(outcome.failure.step_id === undefined ? {} : { step_id: outcome.failure.step_id })
    }
  }),
  state: outcome.state
})

/** Runs (or resumes) one workflow with the config's modules; returns the outcome after printing it. */
export const workflowRun = Effect.fn("WorkflowCommand.run")(function*(args: WorkflowRunArgs, output: Output = consoleOutput) {
  const file = yield* resolveConfigFile(args.config)
  const { config, settings } = yield* loadExchangeConfig(file)
  const { template } = yield* loadTemplate(args.template)
  const params = yield* Option.match(args.params, {
    onNone: () => Effect.succeed<JsonObject>({}),
    onSome: (given) => typeof given !== "string" ? Effect.succeed(given) : Either.match(parseJsonObject(given), { onLeft: (reason) => Effect.fail(new ParamsUnreadable({ reason })), onRight: Effect.succeed })
  })
  // Before any module starts: a mistyped id must not become a new run.
  if (Option.isSome(args.runId)) yield* requireStoredRun(config, args.runId.value)
  const print = args.json ? output.err : output.out
  const phases = phaseOrder(template)
  const layer = NodeRoot.layerExchange(config, { exchange: settings })
  const outcome = yield* Effect.scoped(
    Effect.gen(function*() {
      const supervisor = yield* Supervisor
      const log = yield* LifecycleLog
      const catalog = yield* OfferCatalog
      const runner = yield* WorkflowRunner
      // Modules start in the background; print their statuses once each is ready or has failed.
      for (const status of yield* supervisor.awaitSettled) {
        yield* print(
          `module ${status.component_id} ${status.state}` +
            (status.module_version === undefined ? "" : ` ${status.module_id} ${status.module_version}`) +
            (status.capabilities.length === 0 ? "" : ` [${status.capabilities.join(", ")}]`) +
            (status.last_error === undefined ? "" : `: ${status.last_error}`)
        )
      }
      for (const offer of yield* catalog.all) {
        yield* print(`offer ${offer.offer_id} ${offer.provider_id} ${offer.service_type} ${offer.amount} ${offer.currency} (signed, seq ${offer.sequence})`)
      }
      // Crashes and restarts under the run are part of what an operator must see.
      const facts = yield* log.follow
      yield* facts.pipe(
        Stream.filter((fact) => fact.cause === "crash" || fact.cause === "restart" || fact.cause === "budget-exhausted" || fact.to === "failed"),
        Stream.runForEach((fact) => print(`! ${factLine(fact)}`)),
        Effect.forkScoped
      )
      const onEvent = (event: Parameters<typeof eventLine>[0]) =>
        Option.match(eventLine(event, phases), { onNone: () => Effect.void, onSome: print })
      const existing = Option.isSome(args.runId) ? yield* runner.load(args.runId.value) : Option.none()
      return Option.isSome(existing)
        ? yield* runner.resume(existing.value.run_id, { onEvent })
        : yield* runner.start(
          { template, params, ...Option.match(args.newRunId ?? Option.none(), { onNone: () => ({}), onSome: (runId) => ({ runId }) }) },
          { onEvent }
        )
    }).pipe(Effect.provide(layer))
  ).pipe(Effect.provide(OrbiplexNode.logLevelLayer(config.node.log_level)))
  const runFile = (yield* Path.Path).join(config.node.data_dir, "workflows", `${outcome.run_id}.json`)
  for (const line of outcomeLines(outcome, runFile)) yield* print(line)
  if (args.json) yield* output.out(JSON.stringify(outcomeJson(outcome, runFile), null, 2))
  return { outcome, file: runFile }
})

/** The handler: fails (exit code 1) unless the run completed. */
export const workflowRunHandler = (args: WorkflowRunArgs, output: Output = consoleOutput) =>
  Effect.gen(function*() {
    const { file, outcome } = yield* workflowRun(args, output)
    if (outcome.status !== "completed") {
      return yield* new WorkflowNotCompleted({
        run_id: outcome.run_id,
        status: outcome.status,
        ...(outcome.failure === undefined ? {} : { code: outcome.failure.code }),
        file
      })
    }
    return outcome
  })

/** `workflow run` on the running node: starts the run there; with `follow`, prints its phases and fails unless it completed. */
export const workflowRunOnNode = (client: WorkClient, args: WorkflowRunArgs & { readonly follow: boolean }, output: Output = consoleOutput) =>
  Effect.gen(function*() {
    const { template } = yield* loadTemplate(args.template)
    const params = yield* Option.match(args.params, {
      onNone: () => Effect.succeed<JsonObject>({}),
      onSome: (given) => typeof given !== "string" ? Effect.succeed(given) : Either.match(parseJsonObject(given), { onLeft: (reason) => Effect.fail(new ParamsUnreadable({ reason })), onRight: Effect.succeed })
    })
    const newRunId = args.newRunId ?? Option.none()
    const accepted = yield* client.startRun({ template, params, ...(Option.isSome(newRunId) ? { run_id: newRunId.value } : {}) })
    const print = args.json ? output.err : output.out
    yield* print(`workflow run ${accepted.run_id} started on the node${args.follow ? "" : `; follow it with \`orbiplex workflow show ${accepted.run_id}\``}`)
    if (!args.follow) {
      if (args.json) yield* output.out(JSON.stringify({ run_id: accepted.run_id, href: accepted.href }, null, 2))
      return
    }
    const view = yield* follow(client, accepted.run_id, Option.some(template), print)
    for (const line of viewLines(view, accepted.href)) yield* print(line)
    if (args.json) yield* output.out(JSON.stringify(view, null, 2))
    if (view.status !== "completed") {
      return yield* new WorkflowNotCompleted({
        run_id: view.run_id,
        status: view.status,
        ...(view.failure === undefined ? {} : { code: view.failure.code }),
        file: accepted.href
      })
    }
  })

/** `workflow run`: on the running node, or standalone (always when resuming a stored run). */
export const workflowRunMain = (args: WorkflowRunArgs & { readonly follow: boolean; readonly standalone: boolean; readonly operator: Option.Option<string> }) =>
  // Resuming a stored run is done by the process that owns the store's files: standalone.
  onNodeOrStandalone(
    { ...args, standalone: args.standalone || Option.isSome(args.runId) },
    (client) => workflowRunOnNode(client, args),
    workflowRunHandler(args)
  )

/** `workflow list`. */
export const listRuns = (args: NodeArgs) =>
  onNode(args, (client) =>
    Effect.flatMap(client.listRuns, ({ runs }) => Effect.forEach(listLines(runs), (line) => Console.log(line), { discard: true })))

/** `workflow show <id>`. */
export const showRun = (args: NodeArgs & { readonly id: string; readonly json: boolean }) =>
  onNode(args, (client) =>
    Effect.gen(function*() {
      const view = yield* client.getRun(args.id)
      if (args.json) return yield* Console.log(JSON.stringify(view, null, 2))
      for (const event of view.events) yield* Option.match(eventLine(event, []), { onNone: () => Effect.void, onSome: (line) => Console.log(line) })
      for (const line of viewLines(view, `/v1/workflows/runs/${view.run_id}`)) yield* Console.log(line)
    }))

/** `workflow cancel <id>`. */
export const cancelRun = (args: NodeArgs & { readonly id: string }) =>
  onNode(args, (client) =>
    Effect.flatMap(client.cancelRun(args.id), (view) => Console.log(`workflow run ${view.run_id} ${view.status} after ${view.moves} moves`)))
