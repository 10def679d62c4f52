/**
 * Public API for programs that embed the runtime. Explicit re-exports only; nothing from internal/.
 */

/** The whole runtime as layers. */
export * as OrbiplexNode from "./OrbiplexNode.js"

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
export { Capabilities, CapabilityFailed } from "./host/Capabilities.js"
export * as ChainStack from "./host/ChainStack.js"
export { CapabilitiesConfig } from "./host/HostCapabilities.js"
export { InquiriumProvider, InquiriumSettings } from "./host/Inquirium.js"
export { IdentityUnavailable, NodeIdentity, verifySignature } from "./host/NodeIdentity.js"
export type { Signature } from "./host/NodeIdentity.js"
export { WorkflowStore } from "./host/WorkflowStore.js"
export { ChainRunner, PayloadInvalid } from "./middleware/ChainRunner.js"
export type { RunOptions } from "./middleware/ChainRunner.js"
export { ChainResult, ChainTrace, ExecutorTrace, RoundTrace } from "./middleware/ChainTrace.js"
export { HooksConfig } from "./middleware/HookConfig.js"
export { HookRegistry, HooksInvalid, UnknownHook } from "./middleware/HookRegistry.js"
export { IntentHost } from "./middleware/IntentHost.js"
export { TraceStore } from "./middleware/TraceStore.js"

// Exchange: offers, procurement, workflows (Dator and Arca's host side)
export * as Exchange from "./host/Exchange.js"
export { CatalogConfig, defaultExchange, ExchangeSettings, ProcurementConfig, WorkflowConfig } from "./host/ExchangeConfig.js"
export { ExecutorChains, ExecutorNotAttached } from "./host/ExecutorChains.js"
export { OfferCatalog, OfferUnsignable, providerIdOf } from "./host/OfferCatalog.js"
export type { CatalogOffer, OfferDraft } from "./host/OfferCatalog.js"
export { CatalogPublishOffer, OfferPublisher, PublicationFailed } from "./host/OfferPublisher.js"
export type { PublicationReport, Published } from "./host/OfferPublisher.js"
export {
  OrderCompleted,
  OrderFailed,
  OrderInput,
  OrderOutcome,
  OrderRejected,
  Procurement,
  ProcurementOrder
} from "./host/Procurement.js"
export { Settlement, SettlementBlocked } from "./host/Settlement.js"
export type { SettlementHold, SettlementOrder } from "./host/Settlement.js"
export { StepTerms, TransitionInput, TransitionOutput, WorkflowSchedule, WorkflowTransition } from "./host/WorkflowCapabilities.js"
export { RunFailure, RunRecord, RunStatus } from "./host/WorkflowRecord.js"
export { RunAlreadyExists, RunBusy, RunInvalid, RunNotFound, WorkflowExecutorMissing } from "./host/WorkflowRun.js"
export type { DriveOptions, RunEvent, RunOutcome, StartRequest } from "./host/WorkflowRun.js"
export { WorkflowRunner } from "./host/WorkflowRunner.js"

// Module Provider Protocol and pipelines
export * as PipelineNode from "./pipeline/PipelineNode.js"
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
export { makeOperatorClient, OperatorRequestFailed, OperatorUnreachable } from "./operator/OperatorClient.js"

// Supervision
export {
  InvokeTimedOut,
  MalformedResponse,
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
