/**
 * Public API for programs that embed the runtime. Explicit re-exports only; nothing from internal/.
 */

/** What `orbiplex start` runs, as one layer, and the smaller layers (the composition root). */
export * as NodeRoot from "./node/NodeRoot.js"
/** Supervision, and supervision with middleware chains, as layers. */
export * as OrbiplexNode from "./node/OrbiplexNode.js"

// Config
export { BundledManifest, loadManifest } from "./config/Bundled.js"
export { ConfigInvalid, ConfigUnreadable } from "./config/ConfigError.js"
export { decodeNodeConfig, loadNodeConfig } from "./config/ConfigLoader.js"
export { enabledModules, NodeConfig, NodeSettings } from "./config/NodeConfig.js"

// Wire contracts
export { Announcement } from "./contract/Announcement.js"
export { DecisionKind, Intent, MiddlewareDecision } from "./contract/Decision.js"
export { DurationMillis, parseMillis } from "./contract/DurationString.js"
export { ComponentHop, EnvelopeTrace, IntentResult, WorkflowEnvelope } from "./contract/Envelope.js"
export { ErrorBody } from "./contract/ErrorBody.js"
export { Json, JsonObject } from "./contract/Json.js"
export { FactCause, LifecycleFact, ModuleState } from "./contract/LifecycleFact.js"
export {
  HOST_API_VERSION,
  MIDDLEWARE_CONTRACT_VERSION,
  MiddlewareInit,
  ModuleReport,
  ReportedCapability
} from "./contract/MiddlewareInit.js"
export {
  Backoff,
  HealthSettings,
  HttpSettings,
  Launch,
  ModuleEntry,
  RestartPolicy,
  StopSettings
} from "./contract/ModuleEntry.js"
export { ModuleStatus } from "./contract/ModuleStatus.js"
export { Problem } from "./contract/Problems.js"
export { StatusResponse } from "./contract/StatusResponse.js"

// Middleware chains and host capabilities
export { Capabilities, CapabilityFailed, CapabilitySlot } from "./capability/Capability.js"
export type { Capability } from "./capability/Capability.js"
export * as ChainStack from "./node/ChainStack.js"
export * as NodeCapabilities from "./node/NodeCapabilities.js"
export { CapabilitiesConfig } from "./capability/HostCapabilities.js"
export { InquiriumProvider, InquiriumRequest, InquiriumSettings } from "./capability/Inquirium.js"
export { WorkspaceStage, WorkspaceStageSettings } from "./capability/WorkspaceStage.js"
export { CatalogPublishOffer } from "./capability/CatalogPublishOffer.js"
export { ProcurementOrder } from "./capability/ProcurementOrder.js"
export { WorkflowSchedule } from "./capability/WorkflowSchedule.js"
export { StepTerms, TransitionInput, TransitionOutput, TransitionPolicy, WorkflowTransition } from "./capability/WorkflowTransition.js"
export { IdentityUnavailable, NodeIdentity, verifySignature } from "./exchange/NodeIdentity.js"
export type { Signature } from "./exchange/NodeIdentity.js"
export { WorkflowRunRepo } from "./store/WorkflowRunRepo.js"
export { ChainRunner, PayloadInvalid } from "./middleware/ChainRunner.js"
export type { RunOptions } from "./middleware/ChainRunner.js"
export { ChainResult, ChainTrace, ExecutorTrace, RoundTrace } from "./middleware/ChainTrace.js"
export { HooksConfig } from "./middleware/HookConfig.js"
export { HookRegistry, HooksInvalid, UnknownHook } from "./middleware/HookRegistry.js"
export { IntentHost } from "./middleware/IntentHost.js"
export { TraceStore } from "./middleware/TraceStore.js"

// Exchange: offers, procurement, workflows (Dator and Arca's host side)
export * as Exchange from "./node/Exchange.js"
export { CatalogConfig, defaultExchange, ExchangeSettings, ProcurementConfig, WorkflowConfig } from "./exchange/ExchangeConfig.js"
export { ExecutorChains, ExecutorNotAttached } from "./exchange/ExecutorChains.js"
export { OfferCatalog, OfferUnsignable, providerIdOf } from "./exchange/OfferCatalog.js"
export type { CatalogOffer, OfferDraft } from "./exchange/OfferCatalog.js"
export { OfferPublisher, PublicationFailed } from "./exchange/OfferPublisher.js"
export type { PublicationReport, Published } from "./exchange/OfferPublisher.js"
export {
  OrderCompleted,
  OrderFailed,
  OrderInput,
  OrderOutcome,
  OrderRejected,
  Procurement
} from "./exchange/Procurement.js"
export { Settlement, SettlementBlocked } from "./exchange/Settlement.js"
export type { SettlementHold, SettlementOrder } from "./exchange/Settlement.js"
export { RunFailure, RunRecord, RunStatus } from "./workflow/WorkflowRecord.js"
export { RunAlreadyExists, RunBusy, RunInvalid, RunNotFound, WorkflowExecutorMissing } from "./workflow/WorkflowRun.js"
export type { DriveOptions, RunEvent, RunOutcome, StartRequest } from "./workflow/WorkflowRun.js"
export { WorkflowRunner } from "./workflow/WorkflowRunner.js"

// Module Provider Protocol and pipelines
export * as PipelineNode from "./node/PipelineNode.js"
export { Pipelines, PipelinesInvalid, UnknownPipeline } from "./pipeline/Pipelines.js"
export type { PipelineRun } from "./pipeline/Pipelines.js"
export { runJson } from "./pipeline/RunReport.js"
export { Normalize, standardModules, Summarize, WordCount } from "./pipeline/StandardModules.js"
export { ProviderClient } from "./provider/ProviderClient.js"
export {
  callOptionsOf,
  decodeProviders,
  ProviderEntry,
  ProviderLaunch,
  ProvidersInvalid,
  ProvidersSection
} from "./provider/ProviderConfig.js"
export {
  CircuitOpen,
  ExecutionFailed,
  InputTypeMismatch,
  InvalidCallOptions,
  InvalidResponse,
  NetworkError,
  OutputTypeMismatch,
  Timeout,
  UnexpectedStatus as ProviderUnexpectedStatus,
  UnknownProvider
} from "./provider/ProviderError.js"
export type { AttemptError, ProviderCallError } from "./provider/ProviderError.js"
export { ProviderRegistry, ProviderStartFailed } from "./provider/ProviderRegistry.js"
export type { ProviderHealth } from "./provider/ProviderRegistry.js"
export { CallOptions, lint as lintCallOptions } from "./resilience/CallOptions.js"
export { CallPolicies } from "./resilience/CallPolicies.js"

// Operator API
export * as OperatorApi from "./operator/OperatorApi.js"
export { OperatorServer } from "./operator/OperatorApi.js"
export { ListenAddress, OperatorConfig } from "./operator/OperatorConfig.js"
export { makeOperatorClient, OperatorRequestFailed, OperatorTimedOut, OperatorUnreachable } from "./operator/OperatorClient.js"
export { OperatorHttpApi } from "./operator/OperatorHttpApi.js"
export * as OperatorToken from "./operator/OperatorToken.js"

// Supervision
export {
  InvokeTimedOut,
  MalformedResponse,
  ModuleCrashed,
  ModuleNotReady,
  ResponseTooLarge,
  TransportFailed,
  UnexpectedStatus
} from "./supervisor/InvokeError.js"
export type { InvokeError } from "./supervisor/InvokeError.js"
export { LifecycleLog } from "./supervisor/LifecycleLog.js"
export { ModuleClient } from "./supervisor/ModuleClient.js"
export type { InvokeOptions } from "./supervisor/ModuleClient.js"
export type { RunningModule } from "./supervisor/ModuleLaunch.js"
export { backoffDelay, decideRestart, restartSchedule } from "./supervisor/RestartSchedule.js"
export type { Crash, RestartStep } from "./supervisor/RestartSchedule.js"
export { Supervisor, SupervisorSettings } from "./supervisor/Supervisor.js"
export { ModuleStartFailed, UnknownModule } from "./supervisor/SupervisorError.js"
