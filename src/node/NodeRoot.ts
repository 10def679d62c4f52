/**
 * The composition root: what `orbiplex start` runs, as one layer, for the CLI and embedders alike,
 * and the smaller layers for programs that want less. Every service is built once: one supervisor,
 * one chain runner, one `IntentHost`, one capability registry, one inquirium provider. Each feature
 * takes its own settings; `featuresOf` maps the node config to them.
 *
 * Order of the build (each step over the ones before it): the store (opened once, from
 * `config.storage` and `node.data_dir`) with the fact and trace journals, supervision, the chain
 * core (its `IntentHost` port still unbound), exchange and workflow, the capability registry (binds
 * the port), the offer publisher's startup (publishes, then refreshes), in `layer` the resumption
 * of interrupted workflow runs, providers and pipelines, and last, in `layerWithOperator`, the
 * operator API.
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
import * as ProcessGroups from "../supervisor/ProcessGroups.js"
import * as ChainStack from "./ChainStack.js"
import * as Exchange from "./Exchange.js"
import * as NodeCapabilities from "./NodeCapabilities.js"
import * as OrbiplexNode from "./OrbiplexNode.js"
import * as NodeJournals from "./NodeJournals.js"
import * as PipelineNode from "./PipelineNode.js"
import * as StoreLayer from "../store/StoreLayer.js"
import type { StoreFailed, StoreUnavailable } from "../store/StoreError.js"
import type { FactSink } from "../supervisor/LifecycleLog.js"
import type { TraceSink } from "../middleware/TraceStore.js"
import * as WorkflowResume from "../workflow/WorkflowResume.js"

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
    exchange: { dataDir: config.node.data_dir, ...sections, peer: config.peer, peers: config.peers, federationId: `federation:${config.node.id}` }
  }
}

/** Supervision alone: supervisor, invocation client, lifecycle log. */
export const layerSupervision = OrbiplexNode.layerSupervision

/** Supervision and middleware chains with the provider-side capabilities (`orbiplex hook run`). */
export const layerChains = OrbiplexNode.layer

/** What the exchange node provides: the store, supervision, chains, capabilities, exchange, workflows. */
export type ExchangeNodeServices =
  | StoreLayer.Store
  | OrbiplexNode.SupervisionServices
  | ChainStack.CoreServices
  | Capabilities
  | Exchange.ExchangeServices

/** Why an exchange node may not start. */
export type ExchangeStartError = Exchange.ExchangeStartError | StoreUnavailable | StoreFailed

/** The node's store with the journals of facts and traces feeding it; built once per node. */
export const layerStore = (
  config: NodeConfig
): Layer.Layer<StoreLayer.Store | FactSink | TraceSink, StoreUnavailable | StoreFailed> =>
  NodeJournals.layer().pipe(Layer.provideMerge(StoreLayer.layer(config.storage, config.node.data_dir)))

/** The store, supervision and the chain core: what the operator API reads, and what everything else builds on. */
export type BaseServices = OrbiplexNode.SupervisionServices | ChainStack.CoreServices | StoreLayer.Store | FactSink | TraceSink

/** The store, supervision and the chain core (its `IntentHost` port bound later, by the capability registry). */
export const layerBase = (
  config: NodeConfig,
  options: NodeOptions = {}
): Layer.Layer<BaseServices, StoreUnavailable | StoreFailed, HttpClient.HttpClient> =>
  // The loader already refused a config whose hooks do not compile, so a failure here is a defect.
  ChainStack.layerCore(featuresOf(config, options).chains).pipe(
    Layer.orDie,
    Layer.provideMerge(
      // The node records the process groups it spawns and, before spawning anything, reaps the ones a
      // crashed run left behind (issue 9): the supervisor is built only after the reap.
      OrbiplexNode.layerSupervisionWithoutHttp(config).pipe(Layer.provide(ProcessGroups.layerReaped(config.node.data_dir)))
    ),
    // The lifecycle log and the trace store pick up the journal sinks of the store below them.
    Layer.provideMerge(layerStore(config))
  )

/** Capabilities, exchange and workflows over the base; building it waits for the Dators (offers are published). */
export const layerExchangeAbove = (
  config: NodeConfig,
  options: NodeOptions = {}
): Layer.Layer<Capabilities | Exchange.ExchangeServices, Exchange.ExchangeStartError, BaseServices | HttpClient.HttpClient> => {
  const features = featuresOf(config, options)
  const services = NodeCapabilities.layer(features.capabilities).pipe(Layer.provideMerge(Exchange.layer(features.exchange)))
  // Built after (over) the registry: publishing runs chains whose intents need it bound.
  return OfferPublisher.layerStartup(features.exchange.catalog).pipe(Layer.provideMerge(services))
}

/** Supervision, chains, every capability, exchange and workflows, over a caller-provided HTTP client. */
export const layerExchangeWithoutHttp = (
  config: NodeConfig,
  options: NodeOptions = {}
): Layer.Layer<ExchangeNodeServices, ExchangeStartError, HttpClient.HttpClient> =>
  layerExchangeAbove(config, options).pipe(Layer.provideMerge(layerBase(config, options)))

/** `layerExchangeWithoutHttp` with the keep-alive pool (`orbiplex workflow run`). */
export const layerExchange = (
  config: NodeConfig,
  options: NodeOptions = {}
): Layer.Layer<ExchangeNodeServices, ExchangeStartError> =>
  layerExchangeWithoutHttp(config, options).pipe(Layer.provide(NodeHttpClient.layerUndici))

/** Everything `orbiplex start` runs but the operator API. */
export type Services = ExchangeNodeServices | PipelineNode.PipelineServices

/** Why it may not start. */
export type StartError = ExchangeStartError | PipelineNode.PipelineStartError | ProvidersInvalid

/** What runs above the base: capabilities, exchange, workflows, providers and pipelines. */
export type AboveServices = Capabilities | Exchange.ExchangeServices | PipelineNode.PipelineServices

/** Everything above the base, for the config read from `file` (provider paths resolve against its folder). */
export const layerAbove = (
  file: string,
  config: NodeConfig,
  options: NodeOptions = {}
): Layer.Layer<AboveServices, StartError, BaseServices | HttpClient.HttpClient | Path.Path | FileSystem.FileSystem> =>
  Layer.merge(
    // The workflow runs the node's last life left running resume once the exchange is up.
    WorkflowResume.layer.pipe(Layer.provideMerge(layerExchangeAbove(config, options))),
    // Providers and pipelines run beside the supervised modules and share their lifecycle log.
    PipelineNode.layerConfig(file, config)
  )

/**
 * What `orbiplex start` runs for the config read from `file` (provider paths resolve against its
 * folder), without the operator API: the store, supervision, chains, capabilities, exchange,
 * providers, pipelines; and the workflow runs the last life of the node left running, resumed.
 */
export const layer = (
  file: string,
  config: NodeConfig,
  options: NodeOptions = {}
): Layer.Layer<Services, StartError, Path.Path | FileSystem.FileSystem> =>
  layerAbove(file, config, options).pipe(
    Layer.provideMerge(layerBase(config, options)),
    Layer.provide(NodeHttpClient.layerUndici)
  )

/**
 * Exactly what `orbiplex start` runs: the base, the layers above it, and an operator front composed
 * over both. `operator` gets them apart so it can serve as soon as the base is up while the layers
 * above still wait for modules, e.g. `(node, above) => OperatorApi.withOperatorApi(settings, node, above)`.
 */
export const layerWithOperator = <ROut, E, RIn>(
  file: string,
  config: NodeConfig,
  operator: (
    node: Layer.Layer<BaseServices, StoreUnavailable | StoreFailed, HttpClient.HttpClient>,
    above: Layer.Layer<AboveServices, StartError, BaseServices | HttpClient.HttpClient | Path.Path | FileSystem.FileSystem>
  ) => Layer.Layer<ROut, E, RIn>,
  options: NodeOptions = {}
): Layer.Layer<ROut, E, Exclude<RIn, HttpClient.HttpClient>> =>
  operator(layerBase(config, options), layerAbove(file, config, options)).pipe(Layer.provide(NodeHttpClient.layerUndici))
