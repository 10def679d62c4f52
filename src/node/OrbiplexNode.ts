/**
 * Supervision, and supervision with middleware chains, as layers. What `orbiplex start` runs as a
 * whole (exchange, workflows, pipelines on top) is composed in `NodeRoot`.
 */
import type { HttpClient } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { Layer, Logger, LogLevel } from "effect"
import { enabledModules, type LogLevelName, type NodeConfig } from "../config/NodeConfig.js"
import * as ChainStack from "./ChainStack.js"
import * as LifecycleLog from "../supervisor/LifecycleLog.js"
import * as ModuleClient from "../supervisor/ModuleClient.js"
import * as Supervisor from "../supervisor/Supervisor.js"
import { HOST_VERSION } from "./HostVersion.js"

/** This host's version, sent in `middleware-init` (its own file so the CLI can print it without loading the node). */
export { HOST_VERSION }

/** The supervisor settings a config describes (disabled modules left out). */
export const supervisorSettings = (config: NodeConfig): Layer.Layer<Supervisor.SupervisorSettings> =>
  Layer.succeed(Supervisor.SupervisorSettings, {
    host: { nodeId: config.node.id, hostVersion: HOST_VERSION },
    modules: enabledModules(config)
  })

/** What supervision alone provides. */
export type SupervisionServices = Supervisor.Supervisor | ModuleClient.ModuleClient | LifecycleLog.LifecycleLog

/** Supervisor, invocation client and lifecycle log, for programs that bring their own chain stack. */
export const layerSupervisionWithoutHttp = (config: NodeConfig): Layer.Layer<SupervisionServices, never, HttpClient.HttpClient> => {
  const supervisor = Supervisor.layer.pipe(
    Layer.provideMerge(LifecycleLog.layer),
    Layer.provide(supervisorSettings(config))
  )
  return ModuleClient.layer.pipe(Layer.provideMerge(supervisor))
}

/** Supervision alone, with the keep-alive pool. */
export const layerSupervision = (config: NodeConfig): Layer.Layer<SupervisionServices> =>
  layerSupervisionWithoutHttp(config).pipe(Layer.provide(NodeHttpClient.layerUndici))

/** Everything the runtime provides. */
export type Services = SupervisionServices | ChainStack.ChainServices

/** The runtime for `config` (supervisor, invocation client, lifecycle log, middleware chains), over a caller-provided HTTP client. */
export const layerWithoutHttp = (config: NodeConfig): Layer.Layer<Services, never, HttpClient.HttpClient> => {
  const node = layerSupervisionWithoutHttp(config)
  // The loader already refused a config whose hooks do not compile, so a failure here is a defect.
  return ChainStack.layer(config, { capabilities: config.capabilities }).pipe(Layer.orDie, Layer.provideMerge(node))
}

/** The runtime for `config` with a keep-alive undici pool for loopback calls. */
export const layer = (config: NodeConfig): Layer.Layer<Services> =>
  layerWithoutHttp(config).pipe(Layer.provide(NodeHttpClient.layerUndici))

/** The minimum log level a config asks for. */
export const logLevelLayer = (level: LogLevelName): Layer.Layer<never> =>
  Logger.minimumLogLevel(
    level === "warning"
      ? LogLevel.Warning
      : level === "none"
      ? LogLevel.None
      : LogLevel.fromLiteral(level === "trace" ? "Trace" : level === "debug" ? "Debug" : level === "error" ? "Error" : "Info")
  )
