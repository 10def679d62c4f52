/**
 * `orbiplex start`: load the config, supervise its modules until Ctrl+C / SIGTERM, then stop them
 * in reverse order, each within its grace.
 */
import { Command } from "@effect/cli"
import { Effect, Layer } from "effect"
import { loadNodeConfig } from "../config/ConfigLoader.js"
import { enabledModules } from "../config/NodeConfig.js"
import * as OperatorApi from "../operator/OperatorApi.js"
import * as OrbiplexNode from "../node/OrbiplexNode.js"
import * as PipelineNode from "../node/PipelineNode.js"
import * as Supervisor from "../supervisor/Supervisor.js"
import { configOption, resolveConfigFile } from "./ConfigFile.js"

/** The start command. */
export const startCommand = Command.make("start", { config: configOption }, ({ config }) =>
  Effect.gen(function*() {
    const file = yield* resolveConfigFile(config)
    const nodeConfig = yield* loadNodeConfig(file)
    const modules = enabledModules(nodeConfig)
    yield* Effect.logInfo(
      `orbiplex node ${nodeConfig.node.id} starting ${modules.length} module(s) from ${file}: ` +
        (modules.map((entry) => entry.component_id).join(", ") || "(none)")
    )
    // Providers and pipelines run beside the supervised modules and share their lifecycle log.
    const node = PipelineNode.layerConfig(file, nodeConfig).pipe(Layer.provideMerge(OrbiplexNode.layerExchange(nodeConfig)))
    // The operator API (when `operator.listen` is set) serves over the node's own services.
    const served = OperatorApi.withOperatorApi(nodeConfig.operator, node)
    // The supervisor starts members in the background; say once when every one is up or has given up.
    const settled = Layer.effectDiscard(Effect.flatMap(Supervisor.awaitSettled, (all) =>
      Effect.logInfo(`orbiplex node ${nodeConfig.node.id} settled: ${all.map((s) => `${s.component_id} ${s.state}`).join(", ") || "(nothing supervised)"}`)))
    return yield* Layer.launch(settled.pipe(Layer.provideMerge(served))).pipe(
      Effect.provide(OrbiplexNode.logLevelLayer(nodeConfig.node.log_level))
    )
  })).pipe(Command.withDescription("run the node: supervise the configured modules until interrupted"))
