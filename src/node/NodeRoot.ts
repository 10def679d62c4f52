/**
 * The composition root: what `orbiplex start` runs, as one layer, for the CLI and embedders alike,
 * and the smaller layers for programs that want less. Every service is built once: one supervisor,
 * one chain runner, one `IntentHost`, one capability registry, one inquirium provider. Each feature
 * takes its own settings; `featuresOf` maps the node config to them.
 *
 * Order of the build (each step over the ones before it): supervision, the chain core (its
 * `IntentHost` port still unbound), exchange and workflow, the capability registry (binds the
 * port), the offer publisher's startup (publishes, then refreshes), providers and pipelines, and
 * last, in `layerWithOperator`, the operator API.
 */
import type { FileSystem, HttpClient, Path } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { Layer } from "effect"
import type { NodeConfig } from "../config/NodeConfig.js"
import type { Capabilities } from "../capability/Capability.js"
import type { InquiriumProvider } from "../capability/Inquirium.js"
import type { ExchangeSettings } from "../exchange/ExchangeConfig.js"
import * as OfferPublisher from "../exchange/OfferPublisher.js"
import type { ProvidersInvalid } from "../provider/ProviderConfig.js"
import * as ChainStack from "./ChainStack.js"
import * as Exchange from "./Exchange.js"
import * as NodeCapabilities from "./NodeCapabilities.js"
import * as OrbiplexNode from "./OrbiplexNode.js"
import * as PipelineNode from "./PipelineNode.js"

/** Choices beyond the config. */
export interface NodeOptions {
  /** Replaces the config's `catalog`, `procurement` and `workflow` sections. */
  readonly exchange?: ExchangeSettings
  /** Replaces the inquirium provider the `capabilities` section names (tests use a scripted one). */
  readonly inquirium?: Layer.Layer<InquiriumProvider, never, HttpClient.HttpClient>
}

/** Each feature's settings, as the root hands them out. */
export interface Features {
  readonly chains: ChainStack.ChainSettings
  readonly capabilities: NodeCapabilities.CapabilitySettings
  readonly exchange: Exchange.ExchangeFeatureSettings
}

/** Maps the node config (and the options) to each feature's settings. */
export const featuresOf = (config: NodeConfig, options: NodeOptions = {}): Features => {
  const sections = options.exchange ?? { catalog: config.catalog, procurement: config.procurement, workflow: config.workflow }
  return {
    chains: { hooks: config.hooks, modules: config.modules },
    capabilities: {
      dataDir: config.node.data_dir,
      capabilities: config.capabilities,
      approveTransitions: sections.workflow.approve_transitions,
      ...(options.inquirium === undefined ? {} : { inquirium: options.inquirium })
    },
    exchange: { dataDir: config.node.data_dir, ...sections }
  }
}

/** Supervision alone: supervisor, invocation client, lifecycle log. */
export const layerSupervision = OrbiplexNode.layerSupervision

/** Supervision and middleware chains with the provider-side capabilities (`orbiplex hook run`). */
export const layerChains = OrbiplexNode.layer

/** What the exchange node provides: supervision, chains, capabilities, exchange, workflows. */
export type ExchangeNodeServices =
  | OrbiplexNode.SupervisionServices
  | ChainStack.CoreServices
  | Capabilities
  | Exchange.ExchangeServices

/** Supervision, chains, every capability, exchange and workflows, over a caller-provided HTTP client. */
export const layerExchangeWithoutHttp = (
  config: NodeConfig,
  options: NodeOptions = {}
): Layer.Layer<ExchangeNodeServices, Exchange.ExchangeStartError, HttpClient.HttpClient> => {
  const features = featuresOf(config, options)
  // The loader already refused a config whose hooks do not compile, so a failure here is a defect.
  const core = ChainStack.layerCore(features.chains).pipe(Layer.orDie)
  const services = NodeCapabilities.layer(features.capabilities).pipe(
    Layer.provideMerge(Exchange.layer(features.exchange)),
    Layer.provideMerge(core),
    Layer.provideMerge(OrbiplexNode.layerSupervisionWithoutHttp(config))
  )
  // Built after (over) the registry: publishing runs chains whose intents need it bound.
  return OfferPublisher.layerStartup(features.exchange.catalog).pipe(Layer.provideMerge(services))
}

/** `layerExchangeWithoutHttp` with the keep-alive pool (`orbiplex workflow run`). */
export const layerExchange = (
  config: NodeConfig,
  options: NodeOptions = {}
): Layer.Layer<ExchangeNodeServices, Exchange.ExchangeStartError> =>
  layerExchangeWithoutHttp(config, options).pipe(Layer.provide(NodeHttpClient.layerUndici))

/** Everything `orbiplex start` runs but the operator API. */
export type Services = ExchangeNodeServices | PipelineNode.PipelineServices

/** Why it may not start. */
export type StartError = Exchange.ExchangeStartError | PipelineNode.PipelineStartError | ProvidersInvalid

/**
 * What `orbiplex start` runs for the config read from `file` (provider paths resolve against its
 * folder), without the operator API: supervision, chains, capabilities, exchange, providers, pipelines.
 */
export const layer = (
  file: string,
  config: NodeConfig,
  options: NodeOptions = {}
): Layer.Layer<Services, StartError, Path.Path | FileSystem.FileSystem> =>
  // Providers and pipelines run beside the supervised modules and share their lifecycle log.
  PipelineNode.layerConfig(file, config).pipe(Layer.provideMerge(layerExchange(config, options)))

/**
 * Exactly what `orbiplex start` runs: `layer` with an operator front composed over it. `operator`
 * wraps the node (so it may bind its socket before anything is spawned), e.g.
 * `(node) => OperatorApi.withOperatorApi(config.operator, node)`.
 */
export const layerWithOperator = <ROut, E, RIn>(
  file: string,
  config: NodeConfig,
  operator: (
    node: Layer.Layer<Services, StartError, Path.Path | FileSystem.FileSystem>
  ) => Layer.Layer<ROut, E, RIn>,
  options: NodeOptions = {}
): Layer.Layer<ROut, E, RIn> => operator(layer(file, config, options))
