/**
 * Providers and pipelines as one layer for `OrbiplexNode`: the shared call policies, the provider
 * transport, the registry (supervised providers started, startup health checks), the client, and
 * the checked pipelines. It needs the lifecycle log, where supervised providers' facts go.
 */
import type { FileSystem, Path } from "@effect/platform"
import { Effect, Layer } from "effect"
import type { ProvidersInvalid } from "../provider/ProviderConfig.js"
import { decodeProviders, type ProviderEntry } from "../provider/ProviderConfig.js"
import * as ProviderClient from "../provider/ProviderClient.js"
import * as ProviderRegistry from "../provider/ProviderRegistry.js"
import * as ProviderTransport from "../provider/ProviderTransport.js"
import * as CallPolicies from "../resilience/CallPolicies.js"
import type { LifecycleLog } from "../supervisor/LifecycleLog.js"
import type { InProcessModule } from "../pipeline/InProcessModule.js"
import * as Pipelines from "../pipeline/Pipelines.js"
import { standardModules } from "../pipeline/StandardModules.js"

/** What the layer runs: resolved provider entries, pipeline definitions, in-process modules. */
export interface PipelineSetup {
  readonly providers: ReadonlyArray<ProviderEntry>
  /** Pipeline name → definition (JSON as in the config, or decoded). */
  readonly pipelines: Readonly<Record<string, unknown>>
  /** In-process modules steps may name; default: the standard modules. */
  readonly modules?: ReadonlyArray<InProcessModule<unknown, unknown>>
  readonly registry?: ProviderRegistry.RegistryOptions
}

/** The services this layer gives. */
export type PipelineServices =
  | Pipelines.Pipelines
  | ProviderRegistry.ProviderRegistry
  | ProviderClient.ProviderClient
  | CallPolicies.CallPolicies

/** The errors that stop it from starting. */
export type PipelineStartError = ProviderRegistry.ProviderStartFailed | Pipelines.PipelinesInvalid

/** The setup of a loaded config: its providers decoded and resolved against the config file's folder. */
export const setupFromConfig = (
  file: string,
  config: { readonly providers: ReadonlyArray<unknown>; readonly pipelines: Readonly<Record<string, unknown>> },
  modules: ReadonlyArray<InProcessModule<unknown, unknown>> = standardModules
): Effect.Effect<PipelineSetup, ProvidersInvalid, Path.Path | FileSystem.FileSystem> =>
  Effect.map(decodeProviders(file, config.providers), (providers) => ({ providers, pipelines: config.pipelines, modules }))

/** Providers and pipelines; `CallPolicies` is built here unless the caller provides its own (share one per node). */
export const layerWithoutPolicies = (
  setup: PipelineSetup
): Layer.Layer<Exclude<PipelineServices, CallPolicies.CallPolicies>, PipelineStartError, LifecycleLog | CallPolicies.CallPolicies> => {
  const registry = ProviderRegistry.layer(setup.providers, setup.registry)
  const client = ProviderClient.layer.pipe(Layer.provideMerge(registry))
  return Pipelines.layer(setup.pipelines, setup.modules ?? standardModules).pipe(
    Layer.provideMerge(client),
    Layer.provide(ProviderTransport.layer)
  )
}

/** Providers, pipelines and the node's call policies. */
export const layer = (setup: PipelineSetup): Layer.Layer<PipelineServices, PipelineStartError, LifecycleLog> =>
  layerWithoutPolicies(setup).pipe(Layer.provideMerge(CallPolicies.layer))

/** `layer` for a loaded config file: its providers decoded and resolved against the file's folder first. */
export const layerConfig = (
  file: string,
  config: { readonly providers: ReadonlyArray<unknown>; readonly pipelines: Readonly<Record<string, unknown>> },
  modules: ReadonlyArray<InProcessModule<unknown, unknown>> = standardModules
): Layer.Layer<PipelineServices, PipelineStartError | ProvidersInvalid, LifecycleLog | Path.Path | FileSystem.FileSystem> =>
  Layer.unwrapEffect(Effect.map(setupFromConfig(file, config, modules), layer))
