/**
 * Providers and pipelines as one layer for `OrbiplexNode`: the shared call policies, the provider
 * transport, the registry (supervised providers started, startup health checks), the client, and
 * the checked pipelines. Supervised providers are members of a Supervisor: the node's own (`layerConfig`,
 * `layerInSupervisor`), or a supervisor of providers alone over the caller's lifecycle log (`layer`).
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
import * as Supervisor from "../supervisor/Supervisor.js"
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
): Layer.Layer<Exclude<PipelineServices, CallPolicies.CallPolicies>, PipelineStartError, Supervisor.Supervisor | CallPolicies.CallPolicies> => {
  const registry = ProviderRegistry.layerInSupervisor(setup.providers, setup.registry)
  const client = ProviderClient.layer.pipe(Layer.provideMerge(registry))
  return Pipelines.layer(setup.pipelines, setup.modules ?? standardModules).pipe(
    Layer.provideMerge(client),
    Layer.provide(ProviderTransport.layer)
  )
}

/** Providers, pipelines and the node's call policies, with supervised providers in the given Supervisor. */
export const layerInSupervisor = (setup: PipelineSetup): Layer.Layer<PipelineServices, PipelineStartError, Supervisor.Supervisor> =>
  layerWithoutPolicies(setup).pipe(Layer.provideMerge(CallPolicies.layer))

/** Providers, pipelines and the node's call policies, with supervised providers in a Supervisor of their own. */
export const layer = (setup: PipelineSetup): Layer.Layer<PipelineServices, PipelineStartError, LifecycleLog> =>
  layerInSupervisor(setup).pipe(
    Layer.provide(setup.providers.some((entry) => entry.launch !== undefined) ? Supervisor.layerStandalone : Supervisor.layerEmpty)
  )

/** `layerInSupervisor` for a loaded config file (the node's Supervisor): its providers decoded and resolved against the file's folder first. */
export const layerConfig = (
  file: string,
  config: { readonly providers: ReadonlyArray<unknown>; readonly pipelines: Readonly<Record<string, unknown>> },
  modules: ReadonlyArray<InProcessModule<unknown, unknown>> = standardModules
): Layer.Layer<PipelineServices, PipelineStartError | ProvidersInvalid, Supervisor.Supervisor | Path.Path | FileSystem.FileSystem> =>
  Layer.unwrapEffect(Effect.map(setupFromConfig(file, config, modules), layerInSupervisor))
