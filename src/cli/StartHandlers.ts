/**
 * What `orbiplex start` does: check the config (the same check as `validate`: nothing starts when it finds a
 * problem), supervise its modules until Ctrl+C / SIGTERM, then stop them in reverse order, each
 * within its grace. The operator API is bound before any module is spawned and answers while they
 * start; the command waits for the modules only to log its summary.
 */
import { Context, Effect, Layer, type Option, Runtime } from "effect"
import { enabledModules } from "../config/NodeConfig.js"
import type { ModuleStatus } from "../contract/ModuleStatus.js"
import * as NodeLogging from "../logs/NodeLogging.js"
import * as NodeRoot from "../node/NodeRoot.js"
import * as OperatorApi from "../operator/OperatorApi.js"
import { isServing } from "../contract/LifecycleFact.js"
import { Supervisor } from "../supervisor/Supervisor.js"
import * as Reload from "../operator/Reload.js"
import { checkConfig } from "./ConfigCheck.js"
import { configSource, describeReport } from "./ReloadHandlers.js"
import { resolveConfigFile } from "./ConfigFile.js"
import * as Tracing from "../tracing/Tracing.js"

/** The line `start` logs once every module has settled. */
export const summaryLine = (nodeId: string, statuses: ReadonlyArray<ModuleStatus>): string => {
  const serving = statuses.filter((status) => isServing(status.state))
  const others = statuses.filter((status) => !isServing(status.state))
  return `orbiplex node ${nodeId}: ${serving.length} of ${statuses.length} member(s) serving` +
    (others.length === 0
      ? ""
      : `; not serving: ${others.map((status) => `${status.executor_id} ${status.state}${status.last_error === undefined ? "" : ` (${status.last_error})`}`).join("; ")}`)
}

/**
 * Lets `orbiplex reload` (through the operator API) and SIGHUP reload `file` into `supervisor`, for
 * as long as the caller's scope lasts.
 */
const installReload = (supervisor: Supervisor["Type"], file: string) =>
  Effect.gen(function*() {
    const port = yield* Reload.ReloadPort
    yield* port.install(supervisor, yield* configSource(file))
    const runFork = Runtime.runFork(yield* Effect.runtime<never>())
    const onHangup = () => {
      runFork(Effect.flatMap(port.reload, (report) =>
        report.outcome === "applied"
          ? Effect.forEach(describeReport(report), (line) => Effect.logInfo(line), { discard: true })
          : Effect.logWarning(`SIGHUP: ${report.file} not reloaded (${report.outcome}); nothing changed: ${report.problems.join("; ")}`)))
    }
    yield* Effect.acquireRelease(
      Effect.sync(() => process.on("SIGHUP", onHangup)),
      () => Effect.sync(() => process.off("SIGHUP", onHangup))
    )
  })

/** Runs the node of the config `config` names until interrupted. */
export const startHandler = ({ config }: { readonly config: Option.Option<string> }) =>
  Effect.gen(function*() {
    const file = yield* resolveConfigFile(config)
    const nodeConfig = yield* checkConfig(file)
    const modules = enabledModules(nodeConfig)
    yield* Effect.logInfo(
      `orbiplex node ${nodeConfig.node.id} starting ${modules.length} module(s) from ${file}: ` +
        (modules.map((entry) => entry.component_id).join(", ") || "(none)")
    )
    // The base (supervision, chains) first; the layers above it (the exchange publishes offers through
    // the modules, providers start) beside the operator API, so the API serves while they wait for modules.
    const served = NodeRoot.layerWithOperator(file, nodeConfig, (node, above) =>
      OperatorApi.withWorkApi(
        { operator: nodeConfig.operator, dataDir: nodeConfig.node.data_dir, schedules: nodeConfig.schedules },
        node,
        above,
        // The node's base already holds its store (the work API's idempotency keys live there too).
        Layer.empty
      ))
    return yield* Effect.scoped(
      Effect.gen(function*() {
        const context = yield* Layer.build(served)
        yield* installReload(Context.get(context, Supervisor), file)
        const statuses = yield* Context.get(context, Supervisor).awaitSettled
        yield* Effect.logInfo(summaryLine(nodeConfig.node.id, statuses))
        return yield* Effect.never
      })
    ).pipe(Effect.provide(Reload.layer), Effect.provide(NodeLogging.layerNode(nodeConfig)), Effect.provide(Tracing.layer(nodeConfig.tracing)))
  })
