/**
 * `CallPolicies` applies the `with` options of a call (CONTRACTS §3.5) and owns the per-module state they
 * share across callers: one in-flight count and one start log per module (whatever each call site asks), circuit breakers and caches. Order, outermost
 * first: throttle, concurrency, cache, fallback, retry, circuit breaker, timeout; `on_error` last of all.
 *
 * The breaker sits inside retry so each attempt counts and an open breaker stops the retries at once;
 * it sits outside the timeout so a timed-out attempt counts as a failure; and inside fallback so a
 * refused call still gets its fallback.
 */
import { Clock, Context, Duration, Effect, Either, Layer, Option, Schedule } from "effect"
import { type CallCache, makeCallCache } from "./CallCache.js"
import type { CallOptions } from "./CallOptions.js"
import {
  type AttemptContext,
  type AttemptRecord,
  type CallAnswer,
  type CallReport,
  type CallSource,
  describeError,
  settle
} from "./CallReport.js"
import { canonicalJson } from "./CanonicalJson.js"
import { type BreakerOutcome, type BreakerView, type CircuitBreaker, makeCircuitBreaker, view } from "./CircuitBreaker.js"
import { CircuitOpen, Timeout } from "./ResilienceErrors.js"
import { retryAfterField, retrySchedule } from "./RetrySchedule.js"
import { type ConcurrencyLimit, makeConcurrencyLimit } from "./ConcurrencyLimit.js"
import { makeModuleThrottle, type ModuleThrottle } from "./Throttle.js"
import { withSpanWhenTracing } from "../tracing/TraceContext.js"
import { randomUuid } from "./FlatUuid.js"

/** The errors a policed call can end with: the call's own, or a timeout, or a refusal by the breaker. */
export type CallError<E> = E | Timeout | CircuitOpen

/** One call to police. */
export interface CallRequest<A, E> {
  /** The module's name: the key of every piece of shared state. */
  readonly module: string
  readonly options: CallOptions
  /** The call's input; its canonical JSON is the cache key. */
  readonly input: unknown
  /** Sends one attempt. */
  readonly call: (attempt: AttemptContext) => Effect.Effect<A, E>
  /**
   * Whether a value is of the output type. Cached answers, answers shared by an identical call in flight
   * and the `fallback` come from outside this caller's types, so they are used only when this holds
   * (`Schema.is(OutputSchema)` is a good guard).
   */
  readonly isOutput: (u: unknown) => u is A
  /** Whether a value is one of the call's errors (for failures shared by an identical call in flight). */
  readonly isError: (u: unknown) => u is E
  /** Which of the call's errors are worth another attempt; default: all. `Timeout` always is. */
  readonly isRetryable?: (error: E) => boolean
  /** The wait a failed attempt asked for, in ms; default: the error's `retryAfterMs` field. */
  readonly retryAfter?: (error: E) => Option.Option<number>
  /** Execution id to send on every attempt; default: a fresh UUID per call. */
  readonly executionId?: string
  /**
   * The call ends each attempt itself at `AttemptContext.deadlineMs` with a `Timeout` (the provider
   * client's transport has a timer per request anyway), so the policies race no timer of their own
   * against it: `Effect.timeoutFail` forks two fibers per attempt, ~60 µs measured here.
   */
  readonly keepsDeadline?: boolean
}

/** Everything in a `CallRequest` besides the module, the options and the call itself. */
export type CallHooks<A, E> = Omit<CallRequest<A, E>, "module" | "options" | "call">

/** Shared per-module call state, and the one way to call a module under its options. */
export class CallPolicies extends Context.Tag("orbiplex/CallPolicies")<CallPolicies, {
  /** Runs a call under its options and reports what happened; never fails (on_error is not applied). */
  readonly run: <A, E>(request: CallRequest<A, E>) => Effect.Effect<CallReport<A, CallError<E>>>
  /** `run`, then `on_error`: only `propagate` can fail. */
  readonly apply: <A, E>(
    request: CallRequest<A, E>
  ) => Effect.Effect<CallAnswer<A, CallError<E>>, CallError<E>>
  /** The circuit breaker of a module, if any call configured one. */
  readonly breaker: (module: string) => Effect.Effect<Option.Option<BreakerView>>
  /** Every circuit breaker, for operators. */
  readonly breakers: Effect.Effect<ReadonlyArray<BreakerView>>
  /** Drops the cached answers of a module (for example after its config or version changed). */
  readonly invalidate: (module: string) => Effect.Effect<void>
}>() {}

// Two callers racing to create the same entry both build one; the first insert wins and the other is dropped
// unused, so creation needs no lock.
const getOrCreate = <V>(map: Map<string, V>, key: string, create: Effect.Effect<V>): Effect.Effect<V> =>
  Effect.suspend(() => {
    const existing = map.get(key)
    if (existing !== undefined) return Effect.succeed(existing)
    return Effect.flatMap(create, (made) =>
      Effect.sync(() => {
        const winner = map.get(key)
        if (winner !== undefined) return winner
        map.set(key, made)
        return made
      }))
  })

// Plain constructors, no Option per attempt: a record is kept per attempt until the call's report is dropped.
const successRecord = (attempt: number, startedAtMs: number, durationMs: number): AttemptRecord => ({
  attempt,
  startedAtMs,
  durationMs,
  outcome: "success"
})

const failureRecord = (attempt: number, startedAtMs: number, durationMs: number, error: unknown): AttemptRecord => ({
  attempt,
  startedAtMs,
  durationMs,
  outcome: error instanceof Timeout ? "timeout" : error instanceof CircuitOpen ? "circuit-open" : "failure",
  error: describeError(error)
})

// Read from the clock when asked: only calls that have a timeout build it, once per attempt.
const timeLeftUntil = (deadlineMs: number): Effect.Effect<Option.Option<number>> =>
  Effect.map(Clock.currentTimeMillis, (now) => Option.some(Math.max(0, deadlineMs - now)))

/** Builds the service: empty registries, filled as modules are called. */
export const make: Effect.Effect<CallPolicies["Type"]> = Effect.sync(() => {
  // Keyed by module alone: the limits bound the module as a whole, whatever call site asks (§3.5 "per module").
  const limits = new Map<string, ConcurrencyLimit>()
  const throttles = new Map<string, ModuleThrottle>()
  const breakers = new Map<string, CircuitBreaker>()
  const caches = new Map<string, CallCache>()

  // No generator and no effect per setup step: everything below but the attempt itself is plain code run
  // once per call, inside the one `Effect.clockWith` that also gives the attempts their clock.
  const runUntraced = <A, E>(request: CallRequest<A, E>): Effect.Effect<CallReport<A, CallError<E>>> =>
    Effect.clockWith((clock) => {
      const { module, options } = request
      const executionId = request.executionId ?? randomUuid()
      const isRetryable = request.isRetryable ?? (() => true)
      const retryAfter = request.retryAfter ?? retryAfterField
      const maxAttempts = (options.retry ?? 0) + 1

      const retryable = (error: CallError<E>): boolean =>
        error instanceof Timeout ? true : error instanceof CircuitOpen ? false : isRetryable(error)
      // A module that answered with an error it will repeat (4xx, type errors) is alive: only errors worth
      // a retry say something about its health.
      const breakerOutcome = (error: CallError<E>): BreakerOutcome => retryable(error) ? "failure" : "success"
      const isCallError = (u: unknown): u is CallError<E> =>
        u instanceof Timeout || u instanceof CircuitOpen || request.isError(u)

      const fallback: Option.Option<A> = options.fallback === undefined
        ? Option.none()
        : request.isOutput(options.fallback)
        ? Option.some(options.fallback)
        : Option.none()

      const timeoutMs = Option.fromNullable(options.timeout)
      // The attempt path is plain combinators and closure state, no generators or Refs: every step
      // here is paid once per attempt, and a pipeline step with call options is little else.
      const sendOnce = (breaker: CircuitBreaker | undefined, attempt: number, startedAtMs: number): Effect.Effect<A, CallError<E>> => {
        const context: AttemptContext = {
          module,
          attempt,
          maxAttempts,
          executionId,
          startedAtMs,
          timeoutMs,
          deadlineMs: Option.map(timeoutMs, (limit) => startedAtMs + limit),
          timeLeftMs: options.timeout === undefined ? Effect.succeedNone : timeLeftUntil(startedAtMs + options.timeout)
        }
        const sent: Effect.Effect<A, CallError<E>> = options.timeout === undefined || request.keepsDeadline === true
          ? request.call(context)
          : request.call(context).pipe(Effect.timeoutFail({
            duration: Duration.millis(options.timeout),
            onTimeout: () => new Timeout({ module, timeoutMs: options.timeout ?? 0, attempt, maxAttempts, executionId })
          }))
        const breakerOptions = options.circuit_breaker
        return breaker === undefined || breakerOptions === undefined ? sent : breaker.guard(breakerOptions, sent, breakerOutcome)
      }

      // Fallback around retry around (breaker around timeout around) the attempt: never fails. Its
      // attempt state is made per run of the call (this function runs inside its `clockWith`), and a
      // call runs it at most once (the cache runs it for the caller that leads or misses); the
      // attempts touch that state one after another.
      const compute = (breaker: CircuitBreaker | undefined): Effect.Effect<CallReport<A, CallError<E>>> => {
        // Only failed attempts are kept between attempts: a first-time success, most calls, keeps none.
        const failed: Array<AttemptRecord> = []
        // The schedule and its driver are made only when an attempt fails: most calls succeed first time.
        let driver: Schedule.ScheduleDriver<unknown, CallError<E>> | undefined
        const nextRetry = (error: CallError<E>): Effect.Effect<unknown, Option.Option<never>> => {
          if (driver !== undefined) return driver.next(error)
          const schedule = retrySchedule<CallError<E>>(options, { isRetryable: retryable, retryAfter: (error) =>
            error instanceof Timeout || error instanceof CircuitOpen ? Option.none() : retryAfter(error) })
          return Effect.flatMap(Schedule.driver(schedule), (made) => {
            driver = made
            return made.next(error)
          })
        }
        // Arrays of the exact length: a pipeline run keeps every step's report until it ends (retained
        // bytes are what its minor GCs copy), and an array grown by `push` keeps room for 16 records.
        const report = (
          attempts: ReadonlyArray<AttemptRecord>,
          result: Either.Either<A, CallError<E>>,
          source: CallSource,
          recovered: Option.Option<CallError<E>>
        ): CallReport<A, CallError<E>> => ({ module, executionId, result, source, shared: false, attempts, recovered })
        const givenUp = (error: CallError<E>): CallReport<A, CallError<E>> =>
          Option.isSome(fallback)
            ? report(failed.slice(), Either.right(fallback.value), "fallback", Option.some(error))
            : report(failed.slice(), Either.left(error), "call", Option.none())
        // One `matchEffect` per attempt does the recording, the retry decision and the report: the
        // success path is this attempt and the report, the frames of a catch and a match fewer.
        // Called when attempt `attempt` starts, so its start time is read here.
        const attemptFrom = (attempt: number): Effect.Effect<CallReport<A, CallError<E>>> => {
          const startedAtMs = clock.unsafeCurrentTimeMillis()
          return Effect.matchEffect(sendOnce(breaker, attempt, startedAtMs), {
            onFailure: (error) => {
              failed.push(failureRecord(attempt, startedAtMs, clock.unsafeCurrentTimeMillis() - startedAtMs, error))
              // As `Effect.retry`: the driver waits the schedule's delay, or ends when the schedule is done.
              return Effect.matchEffect(nextRetry(error), {
                onFailure: () => Effect.succeed(givenUp(error)),
                onSuccess: () => attemptFrom(attempt + 1)
              })
            },
            onSuccess: (value) => {
              const succeeded = successRecord(attempt, startedAtMs, clock.unsafeCurrentTimeMillis() - startedAtMs)
              const attempts = failed.length === 0 ? [succeeded] : [...failed, succeeded]
              return Effect.succeed(report(attempts, Either.right(value), "call", Option.none()))
            }
          })
        }
        return Effect.suspend(() => attemptFrom(1))
      }

      // Made per call only when its options name a breaker; the module's breaker is shared by all its callers.
      const breakerOptions = options.circuit_breaker
      const computed = breakerOptions === undefined
        ? compute(undefined)
        : Effect.flatMap(getOrCreate(breakers, module, makeCircuitBreaker(module)), compute)

      const cached: Effect.Effect<CallReport<A, CallError<E>>> = options.cache === undefined
        ? computed
        : Effect.flatMap(
          getOrCreate(caches, module, Effect.sync(() => makeCallCache())),
          (cache) =>
            cache.lookup(
              canonicalJson(request.input),
              options.cache ?? 0,
              { isOutput: request.isOutput, isError: isCallError },
              computed,
              (value): CallReport<A, CallError<E>> => ({
                module,
                executionId,
                result: Either.right(value),
                source: "cache",
                shared: false,
                attempts: [],
                recovered: Option.none()
              })
            )
        )

      const concurrency = options.concurrency
      const limited = concurrency === undefined
        ? cached
        : Effect.flatMap(getOrCreate(limits, module, makeConcurrencyLimit), (limit) => limit.withPermit(concurrency)(cached))

      const rate = options.throttle
      const throttled = rate === undefined
        ? limited
        : Effect.flatMap(
          getOrCreate(throttles, module, makeModuleThrottle),
          (throttle) => Effect.zipRight(throttle.acquire(rate), limited)
        )
      return options.fallback !== undefined && Option.isNone(fallback)
        ? Effect.zipRight(
          Effect.logWarning(
            `The \`fallback\` of module "${module}" is not of its output type, so it is not used: fix the fallback in the call options.`
          ),
          throttled
        )
        : throttled
    })

  // A span of its own only while tracing is on: Effect.fn's span, made even with nothing to export it
  // to, cost more than a loopback provider call's whole overhead budget.
  const run = <A, E>(request: CallRequest<A, E>): Effect.Effect<CallReport<A, CallError<E>>> =>
    withSpanWhenTracing("CallPolicies.run", () => ({ module: request.module }))(runUntraced(request))

  const breakerView = (module: string, breaker: CircuitBreaker) =>
    Effect.map(breaker.state, (state) => view(module, state))

  return CallPolicies.of({
    run,
    apply: (request) => Effect.flatMap(run(request), (report) => settle(report, request.options.on_error)),
    breaker: (module) => {
      const breaker = breakers.get(module)
      return breaker === undefined
        ? Effect.succeedNone
        : Effect.map(breakerView(module, breaker), Option.some)
    },
    breakers: Effect.suspend(() =>
      Effect.forEach([...breakers.entries()], ([module, breaker]) => breakerView(module, breaker))
    ),
    invalidate: (module) => Effect.suspend(() => caches.get(module)?.clear ?? Effect.void)
  })
})

/** The shared call state of a node: one per runtime, so every caller of a module shares its limits. */
export const layer: Layer.Layer<CallPolicies> = Layer.effect(CallPolicies, make)

/** Runs a call under its options and reports every attempt (for pipeline traces). */
export const runCall = <A, E>(
  request: CallRequest<A, E>
): Effect.Effect<CallReport<A, CallError<E>>, never, CallPolicies> =>
  Effect.flatMap(CallPolicies, (policies) => policies.run(request))

/** Calls `module` under `options` and applies `on_error`; `call` gets the attempt number and execution id. */
export const applyCallOptions = <A, E>(
  module: string,
  options: CallOptions,
  call: (attempt: AttemptContext) => Effect.Effect<A, E>,
  hooks: CallHooks<A, E>
): Effect.Effect<CallAnswer<A, CallError<E>>, CallError<E>, CallPolicies> =>
  Effect.flatMap(CallPolicies, (policies) => policies.apply({ ...hooks, module, options, call }))
