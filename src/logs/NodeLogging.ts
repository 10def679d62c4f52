/**
 * Everything `orbiplex start` provides around the node for logging: the minimum level
 * (`--log-level`, else `node.log_level`) and the node's logs (files, rings, followers) in the
 * config's `logs` settings.
 */
import { Layer } from "effect"
import type { NodeConfig } from "../config/NodeConfig.js"
import { layerLogLevel } from "./LogLevelChoice.js"
import * as NodeLogs from "./NodeLogs.js"

/** The node's logging for `config`: provide it around `Layer.launch` of the node. */
export const layerNode = (config: NodeConfig): Layer.Layer<NodeLogs.NodeLogs> =>
  NodeLogs.layer(NodeLogs.settingsOf(config.node.data_dir, config.logs)).pipe(
    Layer.provideMerge(layerLogLevel(config.node.log_level))
  )
