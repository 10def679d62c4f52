/**
 * The model of a workflow run as the runner drives it (docs/modules.md §3.8): the events it
 * reports, what `start` takes and what a run ends with, the errors of starting or resuming one,
 * which executor is Arca, and the per-move trace the runner records for operators.
 */
import { type Effect, Either, Option, Schema } from "effect"
import type { Intent, MiddlewareDecision } from "../contract/Decision.js"
import type { IntentResult } from "../contract/Envelope.js"
import { isJsonObject, type JsonObject } from "../contract/Json.js"
import type { ModuleEntry } from "../contract/ModuleEntry.js"
import type { ChainTrace } from "../middleware/ChainTrace.js"
import type * as DecisionValidator from "../middleware/DecisionValidator.js"
import { StepTerms } from "../capability/WorkflowTransition.js"
import type * as RunFile from "./WorkflowRecord.js"
import type { InvokeError } from "../supervisor/InvokeError.js"
import type { UnknownModule } from "../supervisor/SupervisorError.js"
import type { StoreFailed } from "../store/StoreError.js"

/** The hook Arca answers. */
export const WORKFLOW_HOOK = "workflow.event"

/** Something that happened to a run: one of Arca's `diagnostics.events`, or one of the host's. */
export interface RunEvent {
  readonly source: "arca" | "host"
  /** e.g. `workflow/phase-started`, `host/arca-unavailable`. */
  readonly event: string
  readonly run_id: string
  readonly move: number
  readonly at_ms: number
  /** The event as Arca wrote it (phase_id, step_id, attempt, ...), or the host's fields. */
  readonly detail: JsonObject
}

/** Per-run choices. */
export interface DriveOptions {
  /** Called for every event, in order; the CLI prints phases from these. */
  readonly onEvent?: (event: RunEvent) => Effect.Effect<void>
}

/** What `start` is given. */
export interface StartRequest {
  /** An `arca-workflow-template.v1` document (Arca validates it on the first move). */
  readonly template: JsonObject
  /** Values for the template's declared params. */
  readonly params?: JsonObject
  /** The run id (letters, digits, `.`, `_`, `-`); generated from the template id when absent. */
  readonly runId?: string
}

/** How a run ended (for now): its state as Arca left it and the host's verdict. */
export interface RunOutcome {
  readonly run_id: string
  readonly workflow_id: string
  readonly status: Exclude<RunFile.RunStatus, "running">
  readonly moves: number
  readonly state: JsonObject
  readonly failure?: RunFile.RunFailure
}

/** No executor to drive workflows. */
export class WorkflowExecutorMissing extends Schema.TaggedError<WorkflowExecutorMissing>()("WorkflowExecutorMissing", {
  wanted: Schema.optional(Schema.String),
  attached: Schema.Array(Schema.String)
}) {
  override get message(): string {
    return this.wanted === undefined
      ? `no Arca module to run workflows: add {"id": "arca", "bundled": "arca"} to "modules" in the node config ` +
        `(modules on ${WORKFLOW_HOOK}: ${this.attached.join(", ") || "none"})`
      : `workflow.executor names ${JSON.stringify(this.wanted)}, which is not an enabled module attached to ${WORKFLOW_HOOK} ` +
        `(attached: ${this.attached.join(", ") || "none"})`
  }
}

/** The run id names no stored run. */
export class RunNotFound extends Schema.TaggedError<RunNotFound>()("RunNotFound", { run_id: Schema.String }) {
  override get message(): string {
    return `there is no workflow run ${JSON.stringify(this.run_id)} under the node's data_dir/workflows; check the id`
  }
}

/** A run with this id already exists (start would overwrite it). */
export class RunAlreadyExists extends Schema.TaggedError<RunAlreadyExists>()("RunAlreadyExists", { run_id: Schema.String }) {
  override get message(): string {
    return `workflow run ${JSON.stringify(this.run_id)} already exists: resume it, or start with another run id`
  }
}

/** The run is being driven already (by this host). */
export class RunBusy extends Schema.TaggedError<RunBusy>()("RunBusy", { run_id: Schema.String }) {
  override get message(): string {
    return `workflow run ${JSON.stringify(this.run_id)} is already being driven by this node; wait for it to end`
  }
}

/** The template (or a stored run) cannot be used. */
export class RunInvalid extends Schema.TaggedError<RunInvalid>()("RunInvalid", { reason: Schema.String }) {
  override get message(): string {
    return `cannot run this workflow: ${this.reason}`
  }
}

/** Every way `start`/`resume` can fail before or outside a run's own outcome. */
export type RunError = WorkflowExecutorMissing | RunNotFound | RunAlreadyExists | RunBusy | RunInvalid | StoreFailed


export const ARCA_MODULE_ID = "orbiplex-arca"
export const safeRunId = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/

/** Arca's executor: the configured one, else the module reporting `orbiplex-arca`, else the only one on the hook. */
export const resolveExecutor = (
  entries: ReadonlyArray<ModuleEntry>,
  wanted: string | undefined
): Either.Either<ModuleEntry, WorkflowExecutorMissing> => {
  const attached = entries.filter((entry) => entry.hooks.includes(WORKFLOW_HOOK))
  const found = wanted !== undefined
    ? attached.find((entry) => entry.id === wanted)
    : attached.find((entry) => entry.module_id === ARCA_MODULE_ID) ?? (attached.length === 1 ? attached[0] : undefined)
  return found === undefined
    ? Either.left(new WorkflowExecutorMissing({ wanted, attached: attached.map((entry) => entry.id) }))
    : Either.right(found)
}

export const eventsOf = (decision: MiddlewareDecision): ReadonlyArray<JsonObject> => {
  const events = decision.diagnostics?.["events"]
  return Array.isArray(events) ? events.filter(isJsonObject) : []
}

export const text = (value: unknown): string | undefined => (typeof value === "string" && value.length > 0 ? value : undefined)

/** The approved terms in a `workflow.transition` result, if it is an approval. */
export const approvedTerms = (intent: Intent, result: IntentResult): { readonly stepId: string; readonly terms: StepTerms } | undefined => {
  if (intent.capability !== "workflow.transition" || result.status !== "ok" || !isJsonObject(result.result)) return undefined
  if (result.result["decision"] !== "approved" || !isJsonObject(intent.input)) return undefined
  const stepId = intent.input["step_id"]
  const terms = Schema.decodeUnknownOption(StepTerms)(result.result["to"])
  return typeof stepId === "string" && Option.isSome(terms) ? { stepId, terms: terms.value } : undefined
}

export const withoutFailure = (host: RunFile.HostRecord): RunFile.HostRecord => {
  const { failure: _failure, ...rest } = host
  return rest
}

/** What one move's trace is made of. */
export interface MoveTraceInput {
  readonly runId: string
  readonly move: number
  readonly entry: ModuleEntry
  readonly decision: MiddlewareDecision
  readonly verdict: DecisionValidator.Accepted | DecisionValidator.Rejected
  readonly startedAt: number
  readonly durationMs: number
}

/** The chain trace of one move (hook `workflow.event`, correlation = run id), for the TraceStore. */
export const moveTrace = (input: MoveTraceInput): ChainTrace => {
  const { decision, entry, verdict } = input
  const rejected = verdict._tag === "Rejected" ? verdict : undefined
  return {
    hook: WORKFLOW_HOOK,
    correlation_id: input.runId,
    causality_id: `cause:${input.runId}:${input.move}`,
    outcome: rejected !== undefined ? "failed" : decision.decision === "reject" ? "rejected" : "completed",
    ...(decision.reason === undefined ? {} : { reason: decision.reason }),
    started_at: new Date(input.startedAt).toISOString(),
    duration_ms: input.durationMs,
    executors: [{
      executor_id: entry.id,
      module_id: entry.module_id,
      component_id: entry.component_id,
      status: rejected === undefined ? "applied" : "failed",
      decision: decision.decision,
      ...(decision.reason === undefined ? {} : { reason: decision.reason }),
      clipped: verdict.clipped,
      rejected_intents: verdict._tag === "Accepted" ? verdict.rejectedIntents : [],
      intents: [],
      ...(rejected === undefined ? {} : { error: { kind: rejected.kind, message: rejected.message } }),
      rounds: [],
      duration_ms: input.durationMs
    }]
  }
}

/**
 * Whether an invocation failure may pass by itself (the module is restarting, slow, or its
 * connection dropped), so the same move is worth asking again; an oversized or malformed answer,
 * a 4xx, or an unknown executor is not.
 */
export const isTransient = (error: InvokeError | UnknownModule): boolean => {
  switch (error._tag) {
    case "ModuleNotReady":
    case "InvokeTimedOut":
    case "TransportFailed":
      return true
    case "UnexpectedStatus":
      return error.status >= 500
    case "MalformedResponse":
    case "ResponseTooLarge":
    case "UnknownModule":
    // A crash during the call may be caused by its input: asking again is what a poison loop is.
    case "ModuleCrashed":
      return false
  }
}
