/**
 * A consecutive-failure circuit breaker per module (Effect 3 has none, effect#2843): closed → open after
 * N counted failures in a row → half-open once `reset` has passed → closed after the probes succeed, or
 * open again when a probe fails. The transitions are pure functions over a state value, so they can be
 * tested and shown to operators as they are.
 */
import * as Metrics from "../metrics/Metrics.js"
import { Cause, Clock, Data, Effect, Exit, Option, Ref } from "effect"
import type { CircuitBreakerOptions } from "./CallOptions.js"
import { CircuitOpen } from "./ResilienceErrors.js"

/** The breaker's state. Time fields are clock times in epoch milliseconds. */
export type BreakerState = Data.TaggedEnum<{
  Closed: { readonly failures: number }
  Open: { readonly openedAtMs: number; readonly probeAtMs: number; readonly failures: number }
  HalfOpen: { readonly probing: number; readonly successes: number; readonly failures: number }
}>

/** Constructors and matchers of `BreakerState`. */
export const BreakerState = Data.taggedEnum<BreakerState>()

/** The state of a breaker nobody has tripped yet. */
export const initialBreakerState: BreakerState = BreakerState.Closed({ failures: 0 })

/** What the breaker says about one attempt. */
export type Admission =
  | { readonly _tag: "Admit"; readonly probe: boolean }
  | { readonly _tag: "Refuse"; readonly state: "open" | "half-open"; readonly probeAtMs: number; readonly failures: number }

/** How an attempt ended, as far as the breaker is concerned. */
export type BreakerOutcome = "success" | "failure" | "cancelled"

/** Decides whether an attempt may go out now, and the state after that decision. */
export const admit = (
  state: BreakerState,
  nowMs: number,
  options: CircuitBreakerOptions
): readonly [Admission, BreakerState] => {
  switch (state._tag) {
    case "Closed":
      return [{ _tag: "Admit", probe: false }, state]
    case "Open":
      return nowMs >= state.probeAtMs
        ? [{ _tag: "Admit", probe: true }, BreakerState.HalfOpen({ probing: 1, successes: 0, failures: state.failures })]
        : [{ _tag: "Refuse", state: "open", probeAtMs: state.probeAtMs, failures: state.failures }, state]
    case "HalfOpen":
      return state.probing + state.successes < options.half_open_probes
        ? [{ _tag: "Admit", probe: true }, BreakerState.HalfOpen({ ...state, probing: state.probing + 1 })]
        : [{ _tag: "Refuse", state: "half-open", probeAtMs: nowMs, failures: state.failures }, state]
  }
}

/**
 * The state after an attempt ended. Results of attempts admitted while the breaker was closed but
 * finishing after it opened say nothing about the probe, so they are ignored.
 */
export const record = (
  state: BreakerState,
  admission: { readonly probe: boolean },
  outcome: BreakerOutcome,
  nowMs: number,
  options: CircuitBreakerOptions
): BreakerState => {
  const open = (failures: number) =>
    BreakerState.Open({ openedAtMs: nowMs, probeAtMs: nowMs + options.reset, failures })
  switch (state._tag) {
    case "Closed":
      if (admission.probe || outcome === "cancelled") return state
      if (outcome === "success") return state.failures === 0 ? state : BreakerState.Closed({ failures: 0 })
      return state.failures + 1 >= options.failures
        ? open(state.failures + 1)
        : BreakerState.Closed({ failures: state.failures + 1 })
    case "Open":
      return state
    case "HalfOpen": {
      if (!admission.probe) return state
      const probing = Math.max(0, state.probing - 1)
      switch (outcome) {
        case "cancelled":
          return BreakerState.HalfOpen({ ...state, probing })
        case "failure":
          return open(state.failures)
        case "success":
          return state.successes + 1 >= options.half_open_probes
            ? BreakerState.Closed({ failures: 0 })
            : BreakerState.HalfOpen({ ...state, probing, successes: state.successes + 1 })
      }
    }
  }
}

/** The breaker of one module as operators see it. */
export interface BreakerView {
  readonly module: string
  readonly state: "closed" | "open" | "half-open"
  /** Consecutive counted failures (while closed), or the count that opened it. */
  readonly failures: number
  /** When open: the clock time (epoch ms) after which the next call is sent as a probe. */
  readonly probeAtMs?: number
}

/** Renders a state for operators. */
export const view = (module: string, state: BreakerState): BreakerView =>
  BreakerState.$match(state, {
    Closed: ({ failures }): BreakerView => ({ module, state: "closed", failures }),
    Open: ({ failures, probeAtMs }): BreakerView => ({ module, state: "open", failures, probeAtMs }),
    HalfOpen: ({ failures }): BreakerView => ({ module, state: "half-open", failures })
  })

/** The live breaker of one module, shared by every caller of that module. */
export interface CircuitBreaker {
  readonly state: Effect.Effect<BreakerState>
  /**
   * Runs one attempt under the breaker: refused with `CircuitOpen` while open, otherwise run and its end
   * recorded as `classify` says. The admission and the recording cannot be separated by interruption.
   */
  readonly guard: <A, E>(
    options: CircuitBreakerOptions,
    attempt: Effect.Effect<A, E>,
    classify: (error: E) => BreakerOutcome
  ) => Effect.Effect<A, E | CircuitOpen>
}

/** Makes the breaker of one module. */
export const makeCircuitBreaker = (module: string): Effect.Effect<CircuitBreaker> =>
  Effect.map(Ref.make<BreakerState>(initialBreakerState), (ref): CircuitBreaker => ({
    state: Ref.get(ref),
    guard: (options, attempt, classify) =>
      Effect.uninterruptibleMask((restore) =>
        Effect.gen(function*() {
          const now = yield* Clock.currentTimeMillis
          const admission = yield* Ref.modify(ref, (state) => admit(state, now, options))
          if (admission._tag === "Refuse") {
            return yield* new CircuitOpen({
              module,
              state: admission.state,
              failures: admission.failures,
              probeAtMs: admission.probeAtMs,
              retryInMs: Math.max(0, admission.probeAtMs - now)
            })
          }
          return yield* restore(attempt).pipe(
            Effect.onExit((exit) =>
              Effect.flatMap(Clock.currentTimeMillis, (end) => {
                const outcome: BreakerOutcome = Exit.isSuccess(exit)
                  ? "success"
                  : Option.match(Cause.failureOption(exit.cause), {
                    onSome: classify,
                    onNone: () => Cause.isInterruptedOnly(exit.cause) ? "cancelled" : "failure"
                  })
                return Ref.updateAndGet(ref, (state) => record(state, admission, outcome, end, options)).pipe(
                  Effect.flatMap((state) => Metrics.recordBreaker(module, state._tag))
                )
              })
            )
          )
        })
      )
  }))
