/**
 * One invocation of Arca for one move of a run (docs/modules.md §3.8): the envelope (hook
 * `workflow.event`, correlation = run id, the outcomes of the last decision's intents), sent through
 * the invocation client, which waits for a restarting module within the hook's deadline. A failure
 * that may pass by itself (the module crashed, is restarting, timed out) is tried again, as a
 * `resume`; a deterministic one (an answer too large or not a decision) is not.
 */
import { randomUuid } from "../resilience/FlatUuid.js"
import { Clock, Duration, Effect, Ref, Schedule } from "effect"
import type { MiddlewareDecision } from "../contract/Decision.js"
import type { IntentResult, WorkflowEnvelope } from "../contract/Envelope.js"
import type { JsonObject } from "../contract/Json.js"
import type { ModuleEntry } from "../contract/ModuleEntry.js"
import type { Hook } from "../middleware/Hook.js"
import type { ModuleClient } from "../supervisor/ModuleClient.js"
import { isTransient, WORKFLOW_HOOK } from "./WorkflowRun.js"

/** What one move's invocation needs. */
export interface MoveInvocation {
  readonly client: ModuleClient["Type"]
  readonly entry: ModuleEntry
  readonly hook: Hook
  /** Invocations tried at most. */
  readonly attempts: number
  readonly runId: string
  /** The number of the move being made. */
  readonly move: number
  /** The payload for an event kind at a clock reading. */
  readonly payloadOf: (kind: string, atMs: number) => JsonObject
  readonly kind: string
  readonly results: ReadonlyArray<IntentResult>
  /** Reports a failed attempt (`host/arca-unavailable`). */
  readonly emit: (source: "host", event: string, detail: JsonObject) => Effect.Effect<void>
}

/** Arca answered: its decision, the payload it answered and when it was sent. */
export interface Answered {
  readonly _tag: "Answered"
  readonly decision: MiddlewareDecision
  readonly payload: JsonObject
  readonly at: number
}

/** Arca could not be reached (or answered nothing usable) within the attempts. */
export interface Unavailable {
  readonly _tag: "Unavailable"
  readonly lastError: string
}

/**
 * The retry policy of one move: exponential from 100 ms, each wait capped at 2 s, at most
 * `attempts` invocations in all. A restarting module needs a moment; a long outage suspends the run.
 */
export const moveRetry = (attempts: number): Schedule.Schedule<unknown, unknown> =>
  Schedule.exponential(Duration.millis(100)).pipe(
    Schedule.either(Schedule.spaced(Duration.seconds(2))),
    Schedule.intersect(Schedule.recurs(Math.max(0, attempts - 1)))
  )

/** Invokes Arca for one move, retrying through a crash or restart of the module. */
export const invokeMove = (input: MoveInvocation): Effect.Effect<Answered | Unavailable> =>
  Effect.gen(function*() {
    const { entry, hook } = input
    const attempt = yield* Ref.make(0)
    const kind = yield* Ref.make(input.kind)
    const once = Effect.gen(function*() {
      const number = yield* Ref.updateAndGet(attempt, (n) => n + 1)
      const at = yield* Clock.currentTimeMillis
      const payload = input.payloadOf(yield* Ref.get(kind), at)
      const envelope: WorkflowEnvelope = {
        schema_version: "workflow-envelope.v1",
        envelope_id: `env_${randomUuid()}`,
        hook: WORKFLOW_HOOK,
        correlation_id: input.runId,
        payload,
        annotations: {},
        intent_results: input.results,
        trace: {
          causality_id: `cause:${input.runId}:${input.move}`,
          hop: 0,
          component_path: [{ component_id: entry.component_id, executor_kind: entry.kind }]
        },
        deadline_ms: hook.deadlineMs
      }
      return yield* input.client.invoke(entry.id, envelope, { timeoutMs: hook.deadlineMs, whileRestarting: "wait" }).pipe(
        Effect.map((decision): Answered => ({ _tag: "Answered", decision, payload, at })),
        Effect.tapError((error) =>
          input.emit("host", "host/arca-unavailable", {
            executor_id: entry.id,
            attempt: number,
            attempts: input.attempts,
            error: error.message
          }).pipe(
            // Arca restarted (or is restarting): it lost nothing, but tell it this is a resumption.
            Effect.zipRight(Ref.set(kind, "resume"))
          )
        )
      )
    })
    return yield* once.pipe(
      Effect.retry({ schedule: moveRetry(input.attempts), while: isTransient }),
      Effect.catchAll((error) => Effect.succeed<Unavailable>({ _tag: "Unavailable", lastError: error.message }))
    )
  })
