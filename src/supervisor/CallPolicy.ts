/**
 * The invocation client's retry policies as `Schedule` values, built once per module from its entry.
 * An attempt that should be made again fails with one of the `Retry` reasons below; each policy
 * recurs only on its own reason, and none of them ever outlasts the call's deadline: the attempt
 * asks for a Retry-After wait only when it fits, and the other two retry at once.
 */
import { Data, Duration, Schedule } from "effect"
import type { ModuleEntry } from "../contract/ModuleEntry.js"
import type { TransportFailed, UnexpectedStatus } from "./InvokeError.js"

/** The module answered 503 and asked for `waitMs`, which fits the call's deadline. */
export class Saturated extends Data.TaggedError("Saturated")<{
  readonly waitMs: number
  /** What the caller gets when the wait is not made after all. */
  readonly error: UnexpectedStatus
}> {}

/** The connection failed while the module's process still runs: a pooled keep-alive socket that was dead. */
export class StaleSocket extends Data.TaggedError("StaleSocket")<{ readonly error: TransportFailed }> {}

/**
 * The module's process is gone and the request never reached it (the connection was refused), or
 * it crashed during a call whose caller allowed sending it again (`retryOnCrash`).
 */
export class Resend extends Data.TaggedError("Resend")<{ readonly error: TransportFailed }> {}

/** Why an attempt should be made again; never seen by a caller. */
export type Retry = Saturated | StaleSocket | Resend

/** Whether `error` asks for another attempt. */
export const isRetry = (error: { readonly _tag: string }): error is Retry =>
  error._tag === "Saturated" || error._tag === "StaleSocket" || error._tag === "Resend"

/** The three policies of one module; `E` is the attempt's error type. */
export interface CallPolicies<E> {
  /** 503 + Retry-After: wait as long as the module asked, as often as the deadline allows. */
  readonly saturated: Schedule.Schedule<E, E>
  /** A dead pooled socket: one more attempt, at once. */
  readonly staleSocket: Schedule.Schedule<[E, number], E>
  /** A module gone before the request reached it: the next instance, at most once per restart the budget allows. */
  readonly resend: Schedule.Schedule<[E, number], E>
}

/** The Retry-After header (seconds) in milliseconds; 1 s when absent or not a number. */
export const retryAfterMs = (header: string | undefined): number => {
  const seconds = Number(header ?? "1")
  return Math.max(1, Number.isFinite(seconds) && seconds >= 0 ? seconds * 1_000 : 1_000)
}

const is = <T extends Retry["_tag"]>(tag: T) => (error: { readonly _tag: string }): boolean => error._tag === tag

/** Builds `entry`'s policies. */
export const callPolicies = <E extends { readonly _tag: string }>(entry: ModuleEntry): CallPolicies<E> => ({
  saturated: Schedule.recurWhile<E>(is("Saturated")).pipe(
    Schedule.addDelay((error) => error instanceof Saturated ? Duration.millis(error.waitMs) : Duration.zero)
  ),
  staleSocket: Schedule.recurWhile<E>(is("StaleSocket")).pipe(Schedule.intersect(Schedule.recurs(1))),
  resend: Schedule.recurWhile<E>(is("Resend")).pipe(
    Schedule.intersect(Schedule.recurs(entry.restart_policy.max_restarts + 1))
  )
})
