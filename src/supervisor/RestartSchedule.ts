/**
 * The restart policy of CONTRACTS §1.1 as a typed `Schedule` over crashes: exponential backoff
 * (`initial_ms · factor^n`, capped at `max_ms`, optionally jittered), reset to the first delay when
 * the crashed run had been up for `reset_after_ms`, and a budget of `max_restarts` per sliding
 * `window_sec`. When the budget is spent, or the crash is permanent, the schedule is done and the
 * supervisor marks the module `failed` until an operator starts it again.
 */
import { Effect, Random, Schedule, ScheduleDecision, ScheduleInterval } from "effect"
import type { RestartPolicy } from "../contract/ModuleEntry.js"

/** What the supervisor feeds the schedule after each run ends. */
export interface Crash {
  /** How long the run had been up (ready) before it ended; 0 when it never got ready. */
  readonly uptimeMs: number
  /** A crash that a restart cannot fix (missing executable, a report the host refuses). */
  readonly permanent: boolean
}

/** Why the schedule gave up. */
export type GiveUp = "restart-disabled" | "budget-exhausted" | "permanent"

/** One step's outcome: restart after `delayMs`, or give up. */
export type RestartStep =
  | { readonly _tag: "Restart"; readonly delayMs: number; readonly attempt: number; readonly inWindow: number }
  | { readonly _tag: "GiveUp"; readonly reason: GiveUp }

/** The schedule's memory: when earlier restarts happened, and how far the backoff has grown. */
export interface RestartState {
  readonly restartsAt: ReadonlyArray<number>
  readonly attempt: number
}

/** No restarts yet. */
export const initialRestartState: RestartState = { restartsAt: [], attempt: 0 }

/** The undelayed, unjittered backoff for the `attempt`-th restart in a row (0-based). */
export const backoffDelay = (policy: RestartPolicy, attempt: number): number =>
  // A zero first delay stays zero: 0 · factor^n is NaN once factor^n overflows to Infinity.
  policy.backoff.initial_ms === 0
    ? 0
    : Math.min(policy.backoff.max_ms, policy.backoff.initial_ms * Math.pow(policy.backoff.factor, attempt))

/**
 * The pure decision behind the schedule. `jitter` is a factor in [0.8, 1.2] (ignored when the policy
 * has no jitter); the jittered delay still never exceeds `max_ms`.
 */
export const decideRestart = (
  policy: RestartPolicy,
  state: RestartState,
  crash: Crash,
  now: number,
  jitter: number
): readonly [RestartState, RestartStep] => {
  if (crash.permanent) return [state, { _tag: "GiveUp", reason: "permanent" }]
  if (policy.mode === "never") return [state, { _tag: "GiveUp", reason: "restart-disabled" }]
  const windowStart = now - policy.window_sec * 1_000
  const recent = state.restartsAt.filter((at) => at > windowStart)
  if (recent.length >= policy.max_restarts) return [state, { _tag: "GiveUp", reason: "budget-exhausted" }]
  const attempt = crash.uptimeMs >= policy.backoff.reset_after_ms ? 0 : state.attempt
  const base = backoffDelay(policy, attempt)
  const delayMs = Math.round(Math.min(policy.backoff.max_ms, policy.backoff.jitter ? base * jitter : base))
  const next: RestartState = { restartsAt: [...recent, now + delayMs], attempt: attempt + 1 }
  return [next, { _tag: "Restart", delayMs, attempt, inWindow: recent.length + 1 }]
}

/** The restart policy as a Schedule: input a crash, output the step taken. */
export const restartSchedule = (policy: RestartPolicy): Schedule.Schedule<RestartStep, Crash> =>
  Schedule.makeWithState<RestartState, Crash, RestartStep>(initialRestartState, (now, crash, state) =>
    Effect.map(Random.nextRange(0.8, 1.2), (jitter) => {
      const [next, step] = decideRestart(policy, state, crash, now, jitter)
      return step._tag === "Restart"
        ? [next, step, ScheduleDecision.continueWith(ScheduleInterval.after(now + step.delayMs))] as const
        : [next, step, ScheduleDecision.done] as const
    }))
