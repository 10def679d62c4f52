/**
 * The workflow runner (docs/modules.md §3.8): drives Arca ONE MOVE PER INVOCATION and keeps the
 * run in the store (`WorkflowRunRepo`), so that neither a restart of Arca nor one of the host loses a step.
 *
 * Per move: invoke Arca on `workflow.event` with the run and the outcomes of the last decision's
 * intents; validate the decision (DecisionValidator: admitted, patch clipped to `workflow.state`,
 * intents granted and well-formed); persist the new state BEFORE any intent runs; run the intents,
 * each intent id once per run (a repeat is answered from the stored outcome), persisting each
 * outcome as it arrives; then the next move. A `reject` ends the run with Arca's failure (its
 * `diagnostics.final_patch` applied through the same field registry); a decision without
 * `next_step` ends it completed. After a restart, `resume` continues from the stored run with
 * event kind `resume`: Arca proposes every running step again under the same intent id, so each
 * step is answered from the store, run once, or retried by policy, never skipped.
 */
import * as Metrics from "../metrics/Metrics.js"
import { randomUUID } from "node:crypto"
import { Clock, Context, Effect, Either, Layer, Option, Queue, Ref } from "effect"
import type { IntentResult } from "../contract/Envelope.js"
import { isJsonObject, type JsonObject } from "../contract/Json.js"
import type { ModuleEntry } from "../contract/ModuleEntry.js"
import * as DecisionValidator from "../middleware/DecisionValidator.js"
import type { Hook } from "../middleware/Hook.js"
import { HookRegistry } from "../middleware/HookRegistry.js"
import { IntentHost } from "../middleware/IntentHost.js"
import { TraceStore } from "../middleware/TraceStore.js"
import { ModuleClient } from "../supervisor/ModuleClient.js"
import { Supervisor } from "../supervisor/Supervisor.js"
import type { WorkflowConfig } from "../exchange/ExchangeConfig.js"
import { invokeMove } from "./WorkflowMove.js"
import * as RunDrivers from "./RunDrivers.js"
import * as Run from "./WorkflowRun.js"
import {
  type DriveOptions,
  type RunError,
  RunInvalid,
  RunNotFound,
  type RunOutcome,
  WORKFLOW_HOOK
} from "./WorkflowRun.js"
import * as RunFile from "./WorkflowRecord.js"
import type { StoreFailed } from "../store/StoreError.js"
import { type CancelResult, WorkflowRunRepo } from "../store/WorkflowRunRepo.js"

/** The workflow runner. */
export class WorkflowRunner extends Context.Tag("orbiplex/WorkflowRunner")<WorkflowRunner, {
  /** Creates a run from a template, persists it and drives it to its end. */
  readonly start: (request: Run.StartRequest, options?: DriveOptions) => Effect.Effect<RunOutcome, RunError>
  /** Drives a stored run on from where it was (after a restart of Arca or of the host). */
  readonly resume: (runId: string, options?: DriveOptions) => Effect.Effect<RunOutcome, RunError>
  /**
   * Cancels a run that has not ended: marks it `cancelled` in the store (final: never resumed), then
   * stops its driver in this process, if it has one, and waits until it has stopped.
   */
  readonly cancel: (runId: string) => Effect.Effect<CancelResult, StoreFailed>
  /** Queues a provider/price change request (`event.detail`, §3.7) for the run's next move. */
  readonly requestTransition: (runId: string, detail: JsonObject) => Effect.Effect<void, RunNotFound | RunInvalid | StoreFailed>
  /** The stored run. */
  readonly load: (runId: string) => Effect.Effect<Option.Option<RunFile.RunRecord>, StoreFailed>
  /** The executor driven (Arca), or `None` when the config has none. */
  readonly executorId: Option.Option<string>
}>() {}

/** Builds the runner for the config's Arca executor. */
export const make = (settings: WorkflowConfig) =>
  Effect.gen(function*() {
    const store = yield* WorkflowRunRepo
    const client = yield* ModuleClient
    const supervisor = yield* Supervisor
    const registry = yield* HookRegistry
    const intentHost = yield* IntentHost
    const traces = yield* TraceStore
    const hook: Hook = yield* Effect.orDie(registry.get(WORKFLOW_HOOK))
    const executor = Run.resolveExecutor(supervisor.entries, settings.executor)
    const drivers = yield* RunDrivers.make

    const loadRecord = (runId: string) => store.load(runId)

    const outcomeOf = (record: RunFile.RunRecord): RunOutcome => ({
      run_id: record.run_id,
      workflow_id: record.workflow_id,
      status: record.host.status === "running" ? "suspended" : record.host.status,
      moves: record.host.moves,
      state: record.state,
      ...(record.host.failure === undefined ? {} : { failure: record.host.failure })
    })

    const drive = (
      entry: ModuleEntry,
      initial: RunFile.RunRecord,
      firstKind: "start" | "resume",
      options: DriveOptions,
      inbox: Queue.Dequeue<JsonObject>
    ) =>
      Effect.gen(function*() {
        const runId = initial.run_id
        /** Transition requests taken from the inbox, oldest first; persisted with every commit. */
        const pending = yield* Ref.make<ReadonlyArray<JsonObject>>([])
        let record = initial
        let move = record.host.moves
        const lock = yield* Effect.makeSemaphore(1)
        const collect = Effect.flatMap(Queue.takeAll(inbox), (taken) => Ref.update(pending, (queued) => [...queued, ...taken]))
        /** Applies `change` to the run and writes it durably (serialized: intents finish concurrently). */
        const commit = (change: (current: RunFile.RunRecord) => RunFile.RunRecord) =>
          lock.withPermits(1)(
            Effect.gen(function*() {
              yield* collect
              const now = yield* Clock.currentTimeMillis
              const next = change(record)
              record = { ...next, host: { ...next.host, updated_at_ms: now, pending_events: [...(yield* Ref.get(pending))] } }
              yield* store.save(record)
            })
          )
        const emit = (source: Run.RunEvent["source"], event: string, detail: JsonObject, atMs?: number) =>
          Effect.gen(function*() {
            const at = atMs ?? (yield* Clock.currentTimeMillis)
            const runEvent: Run.RunEvent = { source, event, run_id: runId, move, at_ms: at, detail }
            yield* Effect.logDebug(`workflow ${runId} move ${move}: ${event} ${JSON.stringify(detail)}`)
            if (options.onEvent !== undefined) yield* options.onEvent(runEvent)
          })
        const finish = (status: RunFile.RunStatus, failure?: RunFile.RunFailure) =>
          Effect.gen(function*() {
            yield* commit((current) => ({
              ...current,
              host: { ...current.host, status, ...(failure === undefined ? {} : { failure }) }
            }))
            yield* emit("host", status === "completed" ? "host/run-completed" : `host/run-${status}`, {
              status,
              ...(failure === undefined ? {} : { code: failure.code, reason: failure.reason })
            })
            yield* Metrics.recordWorkflowRun(String(record.template["template_id"] ?? "unknown"), status)
            return outcomeOf(record)
          })

        const invoke = (payloadOf: (kind: string, atMs: number) => JsonObject, kind: string, results: ReadonlyArray<IntentResult>) =>
          invokeMove({ client, entry, hook, attempts: settings.invoke_attempts, runId, move: move + 1, payloadOf, kind, results, emit })

        let kind: string = firstKind
        yield* emit("host", firstKind === "start" ? "host/run-started" : "host/run-resumed", {
          executor_id: entry.id,
          workflow_id: record.workflow_id,
          moves: record.host.moves
        })
        while (true) {
          if (record.host.moves >= settings.max_moves) {
            return yield* finish("failed", {
              code: "too-many-moves",
              source: "host",
              reason: `workflow ${runId} made ${record.host.moves} moves without ending (workflow.max_moves); it was stopped`
            })
          }
          yield* lock.withPermits(1)(collect)
          const transition = (yield* Ref.get(pending))[0]
          const results = RunFile.lastResults(record)
          const payloadOf = (eventKind: string, atMs: number): JsonObject => ({
            workflow: RunFile.workflowView(record),
            event: transition === undefined
              ? { kind: eventKind, at_ms: atMs }
              : { kind: "transition-request", at_ms: atMs, detail: transition }
          })
          const invoked = yield* invoke(payloadOf, kind, results)
          if (invoked._tag === "Unavailable") {
            return yield* finish("suspended", {
              code: "arca-unavailable",
              source: "host",
              reason: `${entry.id} could not be invoked after ${settings.invoke_attempts} attempts (${invoked.lastError}); ` +
                `the run is saved: resume it once the module is ready`
            })
          }
          if (transition !== undefined) yield* Ref.update(pending, (queued) => queued.slice(1))
          move = record.host.moves + 1
          const { at, decision, payload } = invoked
          const verdict = DecisionValidator.validate({
            hook,
            executorId: entry.id,
            moduleId: entry.module_id,
            grants: entry.grants,
            payload,
            decision,
            checkIntent: intentHost.check
          })
          yield* traces.record(Run.moveTrace({
            runId,
            move,
            entry,
            decision,
            verdict,
            startedAt: at,
            durationMs: (yield* Clock.currentTimeMillis) - at
          }))
          if (verdict._tag === "Rejected") {
            yield* commit((current) => ({ ...current, host: { ...current.host, moves: move } }))
            yield* emit("host", "host/decision-rejected", { kind: verdict.kind, message: verdict.message, decision: decision.decision })
            return yield* finish("failed", {
              code: "invalid-decision",
              source: "host",
              reason: `the host refused ${entry.id}'s decision (${verdict.kind}); nothing of it was applied: ${verdict.message}`
            })
          }
          // Arca's events are told once what they describe is durable.
          const emitArcaEvents = Effect.forEach(Run.eventsOf(decision), (event) =>
            emit("arca", Run.text(event["event"]) ?? "workflow/event", event, typeof event["at_ms"] === "number" ? event["at_ms"] : at), {
            discard: true
          })
          if (decision.decision === "reject") {
            const diagnostics = decision.diagnostics ?? {}
            const finalPatch = diagnostics["final_patch"]
            let state = record.state
            if (isJsonObject(finalPatch)) {
              const applied = DecisionValidator.validate({
                hook,
                executorId: entry.id,
                moduleId: entry.module_id,
                grants: [],
                payload,
                decision: { schema_version: "middleware-decision.v1", decision: "rewrite", patch: finalPatch },
                checkIntent: intentHost.check
              })
              const workflow = applied._tag === "Accepted" ? applied.payload["workflow"] : undefined
              if (isJsonObject(workflow) && isJsonObject(workflow["state"])) state = workflow["state"]
            }
            yield* commit((current) => ({ ...current, state, host: { ...current.host, moves: move, last_intents: [] } }))
            yield* emitArcaEvents
            const phaseId = Run.text(diagnostics["phase_id"])
            const stepId = Run.text(diagnostics["step_id"])
            return yield* finish("failed", {
              code: Run.text(diagnostics["code"]) ?? "rejected",
              source: "arca",
              reason: decision.reason ?? `${entry.id} stopped workflow ${runId}`,
              ...(phaseId === undefined ? {} : { phase_id: phaseId }),
              ...(stepId === undefined ? {} : { step_id: stepId })
            })
          }
          if (decision.decision === "defer") {
            return yield* finish("failed", {
              code: "deferred",
              source: "host",
              reason: `${entry.id} deferred workflow ${runId} (${decision.reason ?? "no reason"}): no module drives it`
            })
          }
          const workflow = verdict.payload["workflow"]
          const state = isJsonObject(workflow) && isJsonObject(workflow["state"]) ? workflow["state"] : record.state
          const refused: Array<IntentResult> = verdict.rejectedIntents.map((r) => ({
            intent_id: r.intent_id,
            status: "rejected",
            error: r.reason
          }))
          // The new state is durable before any of its intents runs.
          yield* commit((current) => ({
            ...current,
            state,
            host: {
              ...current.host,
              moves: move,
              last_intents: (decision.intents ?? []).map((intent) => intent.intent_id),
              outcomes: { ...current.host.outcomes, ...Object.fromEntries(refused.map((r) => [r.intent_id, r])) }
            }
          }))
          yield* emitArcaEvents
          for (const r of verdict.rejectedIntents) {
            yield* emit("host", "host/intent-rejected", { intent_id: r.intent_id, capability: r.capability, reason: r.reason })
          }
          if (decision.next_step === undefined || decision.next_step === null) {
            const status = RunFile.stateString(state, "status")
            if (status === "completed") return yield* finish("completed")
            return yield* finish("failed", {
              code: "ended-without-completion",
              source: "host",
              reason: `${entry.id} ended its turn (${decision.decision}, no next_step) but the run's state is ${status ?? "missing"}, not completed`
            })
          }
          const deadline = (RunFile.stateNumber(state, "deadline_at_ms") ?? Number.POSITIVE_INFINITY) + settings.intent_grace
          yield* Effect.forEach(verdict.intents, (intent) =>
            Effect.gen(function*() {
              const stored = record.host.outcomes[intent.intent_id]
              if (stored !== undefined) {
                yield* emit("host", "host/intent-replayed", { intent_id: intent.intent_id, capability: intent.capability, status: stored.status })
                return
              }
              const wake = intent.capability === "workflow.schedule" && isJsonObject(intent.input) ? intent.input : {}
              yield* emit("host", "host/intent-started", {
                intent_id: intent.intent_id,
                capability: intent.capability,
                ...(typeof wake["wake_at_ms"] === "number" ? { wake_at_ms: wake["wake_at_ms"] } : {}),
                ...(typeof wake["reason"] === "string" ? { reason: wake["reason"] } : {})
              })
              const result = yield* intentHost.execute(intent, {
                hook: WORKFLOW_HOOK,
                executorId: entry.id,
                moduleId: entry.module_id,
                correlationId: runId,
                causalityId: `cause:${runId}:${move}`,
                deadline
              })
              const approved = Run.approvedTerms(intent, result)
              yield* commit((current) => ({
                ...current,
                template: approved === undefined ? current.template : RunFile.withStepTerms(current.template, approved.stepId, approved.terms),
                host: { ...current.host, outcomes: { ...current.host.outcomes, [intent.intent_id]: result } }
              }))
              const body = isJsonObject(result.result) ? result.result : {}
              yield* emit("host", "host/intent-finished", {
                intent_id: intent.intent_id,
                capability: intent.capability,
                status: result.status,
                ...(result.error === undefined ? {} : { error: result.error }),
                ...(typeof body["outcome"] === "string" ? { outcome: body["outcome"] } : {}),
                ...(typeof body["reason"] === "string" ? { reason: body["reason"] } : {})
              })
            }), { concurrency: "unbounded", discard: true })
          kind = "continue"
        }
      })

    const executorOrFail = Either.match(executor, { onLeft: Effect.fail, onRight: Effect.succeed })

    const start = Effect.fn("WorkflowRunner.start")(function*(request: Run.StartRequest, options: DriveOptions = {}) {
      const entry = yield* executorOrFail
      const templateId = request.template["template_id"]
      if (typeof templateId !== "string" || templateId.length === 0) {
        return yield* new RunInvalid({ reason: "the template has no \"template_id\": is it an arca-workflow-template.v1 document?" })
      }
      const now = yield* Clock.currentTimeMillis
      const runId = request.runId ?? `${templateId.replace(/[^A-Za-z0-9_.-]/g, "-").slice(0, 80)}-${now}-${randomUUID().slice(0, 4)}`
      if (!Run.safeRunId.test(runId)) {
        return yield* new RunInvalid({ reason: `run id ${JSON.stringify(runId)} must be letters, digits, ".", "_" or "-" (at most 128)` })
      }
      if (Option.isSome(yield* store.load(runId))) return yield* new Run.RunAlreadyExists({ run_id: runId })
      const record: RunFile.RunRecord = {
        schema_version: RunFile.RUN_SCHEMA,
        run_id: runId,
        workflow_id: templateId,
        template: request.template,
        params: request.params ?? {},
        state: {},
        host: {
          executor_id: entry.id,
          status: "running",
          created_at_ms: now,
          updated_at_ms: now,
          moves: 0,
          last_intents: [],
          outcomes: {},
          pending_events: []
        }
      }
      yield* store.save(record)
      return yield* drivers.exclusive(runId, [], (inbox) => drive(entry, record, "start", options, inbox))
    })

    const resume = Effect.fn("WorkflowRunner.resume")(function*(runId: string, options: DriveOptions = {}) {
      const entry = yield* executorOrFail
      const stored = yield* loadRecord(runId)
      if (Option.isNone(stored)) return yield* new RunNotFound({ run_id: runId })
      const record = stored.value
      const arcaStatus = RunFile.stateString(record.state, "status")
      // Arca's own end and the operator's cancel are final; a run the host stopped (suspended, refused
      // decision) is tried again.
      const final = record.host.status === "completed" || record.host.status === "cancelled"
      if (final || (arcaStatus === "failed" && record.host.failure?.source === "arca")) {
        return outcomeOf(record)
      }
      const running: RunFile.RunRecord = {
        ...record,
        host: { ...Run.withoutFailure(record.host), executor_id: entry.id, status: "running" }
      }
      return yield* drivers.exclusive(runId, record.host.pending_events, (inbox) => drive(entry, running, "resume", options, inbox))
    })

    const requestTransition = (runId: string, detail: JsonObject) =>
      Effect.gen(function*() {
        if (yield* drivers.offer(runId, detail)) return
        const stored = yield* loadRecord(runId)
        if (Option.isNone(stored)) return yield* new RunNotFound({ run_id: runId })
        const record = stored.value
        yield* store.save({ ...record, host: { ...record.host, pending_events: [...record.host.pending_events, detail] } })
      })

    // The mark comes first: from then on no driver can begin (resume refuses a cancelled run) and a
    // driver's late write changes nothing (the store keeps a cancelled run as it is).
    const cancel = Effect.fn("WorkflowRunner.cancel")(function*(runId: string) {
      const result = yield* store.cancel(runId, yield* Clock.currentTimeMillis)
      if (result._tag === "Cancelled") yield* drivers.interrupt(runId)
      return result
    })

    return WorkflowRunner.of({
      start,
      resume,
      cancel,
      requestTransition,
      load: loadRecord,
      executorId: Either.match(executor, { onLeft: () => Option.none(), onRight: (entry) => Option.some(entry.id) })
    })
  })

/** The runner as a layer. */
export const layer = (
  settings: WorkflowConfig
): Layer.Layer<WorkflowRunner, never, WorkflowRunRepo | ModuleClient | Supervisor | HookRegistry | IntentHost | TraceStore> =>
  Layer.effect(WorkflowRunner, make(settings))
