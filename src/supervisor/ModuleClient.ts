/**
 * Invocation of supervised modules (CONTRACTS §1.3, §2): `WorkflowEnvelope` in, `MiddlewareDecision`
 * out, over keep-alive loopback HTTP with the launch token. The host bounds everything: its own
 * `max_in_flight` limit, one deadline per call, `max_response_bytes` while reading, 503 +
 * `Retry-After` honoured within the deadline, one retry of a dead pooled socket, and (by option) a
 * wait for a restarting module within the deadline. A call in flight when its module's process
 * exits is not sent again unless the caller says it may be: it fails with `ModuleCrashed`.
 */
import * as Metrics from "../metrics/Metrics.js"
import { Clock, Context, Duration, Effect, Either, Layer, Option, Schema, Stream } from "effect"
import { type ConcurrencyLimit, makeConcurrencyLimit } from "../resilience/ConcurrencyLimit.js"
import { retryLazily } from "../resilience/RetryLazily.js"
import { MiddlewareDecision } from "../contract/Decision.js"
import type { WorkflowEnvelope } from "../contract/Envelope.js"
import type { ModuleEntry } from "../contract/ModuleEntry.js"
import { ErrorBody } from "../contract/ErrorBody.js"
import { formatProblems, problemsOf } from "../contract/Problems.js"
import { currentTraceparent } from "../tracing/TraceContext.js"
import { withClientSpan } from "../tracing/Tracing.js"
import { AUTH_HEADER } from "./ChildEnvironment.js"
import type { ExitInfo } from "./ChildProcess.js"
import { callPolicies, type CallPolicies, isRetry, Resend, type Retry, retryAfterMs, Saturated, StaleSocket } from "./CallPolicy.js"
import {
  type InvokeError,
  InvokeTimedOut,
  MalformedResponse,
  ModuleCrashed,
  ModuleNotReady,
  ResponseTooLarge,
  type TimeoutLimit,
  TransportFailed,
  UnexpectedStatus
} from "./InvokeError.js"
import { layer as LoopbackTransportLayer, type LoopbackAnswer, LoopbackTransport } from "./LoopbackTransport.js"
import type { RunningModule } from "./ModuleLaunch.js"
import { isServing, isSettledDown } from "../contract/LifecycleFact.js"
import { Supervisor } from "./Supervisor.js"
import { UnknownModule } from "./SupervisorError.js"
import { parseJsonUnknown } from "../contract/Json.js"

/** Per-call choices. */
export interface InvokeOptions {
  /** Upper bound for this call; the module's `request_timeout_ms` and the envelope's `deadline_ms` also bound it. */
  readonly timeoutMs?: number
  /** While the module restarts: wait for it within the deadline (default), or fail at once. */
  readonly whileRestarting?: "wait" | "fail-fast"
  /**
   * When the module's process exits while this call is in flight: send the call again to the next
   * instance (only for calls that are safe to repeat), or fail with `ModuleCrashed` (default). A call
   * that crashes its module every time would otherwise spend the module's whole restart budget.
   */
  readonly retryOnCrash?: boolean
}

/** The invocation client. */
export class ModuleClient extends Context.Tag("orbiplex/ModuleClient")<ModuleClient, {
  /** Sends `envelope` to the module and returns its (decoded, not yet host-validated) decision. */
  readonly invoke: (
    executorId: string,
    envelope: WorkflowEnvelope,
    options?: InvokeOptions
  ) => Effect.Effect<MiddlewareDecision, InvokeError | UnknownModule>
}>() {}

const decodeDecision = Schema.decodeUnknownEither(MiddlewareDecision, { errors: "all" })
const decodeErrorBody = Schema.decodeUnknownOption(ErrorBody)

const parseJson = (text: string): Either.Either<unknown, string> =>
  Either.mapLeft(parseJsonUnknown(text), (reason) => `not JSON: ${JSON.stringify(text.slice(0, 120))} (${reason})`)

/** Turns a non-200 answer into its typed error, keeping the module's error code and message. */
const unexpectedStatus = (executorId: string, answer: LoopbackAnswer): UnexpectedStatus => {
  const errorBody = Either.match(parseJson(answer.body), { onLeft: () => Option.none(), onRight: decodeErrorBody })
  return new UnexpectedStatus({
    executor_id: executorId,
    status: answer.status,
    ...Option.match(errorBody, {
      onNone: () => ({ detail: answer.body.slice(0, 300) || "(empty body)" }),
      onSome: (error) => ({ code: error.error.code, detail: error.error.message })
    })
  })
}

/** How long a refused call waits for the module's process to exit before it counts as a transport failure. */
const CRASH_SETTLE_MS = 1_000
/** How long a crash report waits for the rest of the module's stderr (a grandchild may hold the pipe). */
const STDERR_SETTLE_MS = 200

/** What an attempt can fail with: what the caller may see, or a reason to try again. */
type AttemptError = InvokeError | UnknownModule | Retry

/** One call, as its attempts share it. */
interface Call {
  readonly executorId: string
  readonly correlationId: string
  readonly body: string
  readonly waitForRestart: boolean
  readonly retryOnCrash: boolean
  readonly deadline: number
  readonly timeoutMs: number
  readonly limit: TimeoutLimit
  /**
   * The instance an earlier attempt may have reached before its connection broke: if it exits, that
   * attempt met the crash. Plain state: a call's attempts run one after another, never at once.
   */
  suspect: RunningModule | undefined
  /** The caller's span as a W3C `traceparent` (the module hands it to its handler). */
  readonly traceparent: Option.Option<string>
  /** The fiber's clock, looked up once per call: its attempts read the time from it directly. */
  readonly clock: Clock.Clock
}

/** The bound that is tightest, and its name (on a tie the caller's first, since it is the one it chose, then the envelope's). */
const tightest = (caller: number, deadline: number, module: number): readonly [TimeoutLimit, number] =>
  caller <= deadline && caller <= module
    ? ["caller", caller]
    : deadline <= module
    ? ["deadline_ms", deadline]
    : ["request_timeout_ms", module]

/** What one executor's calls share, made once per entry. */
interface Executor {
  readonly entry: ModuleEntry
  /** The host side of `max_in_flight`. */
  readonly inFlight: ConcurrencyLimit
  /** An attempt under the executor's retry policies, the retry reasons unwrapped to the caller's errors. */
  readonly retried: (attempt: Effect.Effect<MiddlewareDecision, AttemptError>) => Effect.Effect<MiddlewareDecision, InvokeError | UnknownModule>
  /** One meter per hook, its tagged metrics resolved once. */
  readonly meters: Map<string, Metrics.InvokeMeter>
}

/** The policies of `entry` around an attempt, composed once per executor rather than per call. */
const retriedBy = (policies: CallPolicies<AttemptError>) => (attempt: Effect.Effect<MiddlewareDecision, AttemptError>) =>
  attempt.pipe(
    retryLazily(policies.saturated),
    retryLazily(policies.staleSocket),
    retryLazily(policies.resend),
    Effect.mapError((error) => (isRetry(error) ? error.error : error))
  )

const makeExecutor = (entry: ModuleEntry): Effect.Effect<Executor> =>
  Effect.map(makeConcurrencyLimit, (inFlight) => ({ entry, inFlight, retried: retriedBy(callPolicies<AttemptError>(entry)), meters: new Map() }))

const meterOf = (executor: Executor, hook: string): Metrics.InvokeMeter => {
  const known = executor.meters.get(hook)
  if (known !== undefined) return known
  const made = Metrics.invokeMeter(executor.entry.id, hook)
  executor.meters.set(hook, made)
  return made
}

/** Builds the client over the supervisor's running modules. */
export const make = Effect.gen(function*() {
  const supervisor = yield* Supervisor
  const transport = yield* LoopbackTransport
  // One lookup per call: each executor's entry, its host-side max_in_flight limit, its policies, its meters.
  const executors = new Map<string, Executor>()
  for (const entry of supervisor.entries) executors.set(entry.id, yield* makeExecutor(entry))

  // A reload adds and replaces entries: an executor unknown here, or with another entry, is made anew.
  const executorOf = (executorId: string): Effect.Effect<Executor | undefined> =>
    Effect.suspend(() => {
      const known = executors.get(executorId)
      const entry = supervisor.entryOf(executorId)
      if (entry === undefined) return Effect.succeed(undefined)
      if (known?.entry === entry) return Effect.succeed(known)
      return Effect.tap(makeExecutor(entry), (made) => Effect.sync(() => executors.set(executorId, made)))
    })

  /** The serving instance, unless its process has already exited (the supervisor may not know yet). */
  const usable = (executorId: string): Effect.Effect<Option.Option<RunningModule>, UnknownModule> =>
    Effect.flatMap(supervisor.current(executorId), (current) =>
      Option.match(current, {
        onNone: () => Effect.succeedNone,
        onSome: (running) => Effect.map(running.child.exited, (exited) => (Option.isSome(exited) ? Option.none() : current))
      }))

  /**
   * The serving instance; when there is none, waits for a restart (within the deadline) or fails.
   * Every status change is checked against the running instance, so a status that still says
   * "ready" just after a crash is not taken for a restart that is done.
   */
  const resolve = (call: Call): Effect.Effect<RunningModule, ModuleNotReady | UnknownModule> =>
    // The hot path: a serving instance needs no subscription to status changes.
    Effect.flatMap(usable(call.executorId), Option.match({ onSome: Effect.succeed, onNone: () => awaitInstance(call) }))

  const awaitInstance = ({ deadline, executorId, waitForRestart }: Call): Effect.Effect<RunningModule, ModuleNotReady | UnknownModule> =>
    Effect.gen(function*() {
      const changes = yield* supervisor.changes(executorId)
      const now = yield* Clock.currentTimeMillis
      const found = yield* changes.pipe(
        Stream.mapEffect((status) => Effect.map(usable(executorId), (running) => ({ status, running }))),
        Stream.filter(({ running, status }) => Option.isSome(running) || !waitForRestart || isSettledDown(status.state)),
        Stream.runHead,
        Effect.timeoutOption(Duration.millis(Math.max(0, deadline - now)))
      )
      const settled = Option.flatten(found)
      if (Option.isSome(settled) && Option.isSome(settled.value.running)) return settled.value.running.value
      const status = yield* supervisor.status(executorId)
      // A status that still says ready or degraded belongs to a process that has just exited.
      return yield* new ModuleNotReady({ executor_id: executorId, state: isServing(status.state) ? "exiting" : status.state })
    })

  /** `running`'s exit, if it happens within CRASH_SETTLE_MS (bounded by the deadline). */
  const exitSoon = (running: RunningModule, deadline: number): Effect.Effect<Option.Option<ExitInfo>> =>
    Effect.flatMap(Clock.currentTimeMillis, (now) =>
      running.child.exit.pipe(Effect.timeoutOption(Duration.millis(Math.max(0, Math.min(CRASH_SETTLE_MS, deadline - now))))))

  /** `running` exited while `call` was in flight: send it again if the caller allows, else report the crash. */
  const crashed = (call: Call, running: RunningModule, exit: ExitInfo, error: TransportFailed): Effect.Effect<never, AttemptError> =>
    Effect.gen(function*() {
      call.suspect = undefined
      if (call.retryOnCrash) return yield* new Resend({ error })
      yield* Effect.timeoutOption(running.child.stderrDone, Duration.millis(STDERR_SETTLE_MS))
      const failure = new ModuleCrashed({
        executor_id: call.executorId,
        pid: running.pid,
        exit_code: exit.code,
        signal: exit.signal,
        stderr_tail: yield* running.child.stderrTail
      })
      yield* Effect.logWarning(`call ${call.correlationId}: ${failure.message}`).pipe(
        Effect.annotateLogs({ executor_id: call.executorId, correlation_id: call.correlationId })
      )
      return yield* failure
    })

  /**
   * A broken connection: a dead pooled socket (the process runs: try once more), a request that
   * never reached a process that is gone (send it to the next instance), or a crash during the call.
   */
  const brokenConnection = (call: Call, running: RunningModule, detail: string, unsent: boolean) =>
    Effect.gen(function*(): Effect.fn.Return<never, AttemptError> {
      const error = new TransportFailed({ executor_id: call.executorId, detail })
      if (!unsent) {
        const exited = yield* running.child.exited
        if (Option.isSome(exited)) return yield* crashed(call, running, exited.value, error)
        if (call.suspect !== undefined) {
          // The same instance broke the connection twice: it is dying, its exit not reported yet.
          const exit = yield* exitSoon(running, call.deadline)
          return yield* Option.match(exit, { onNone: () => Effect.fail(error), onSome: (info) => crashed(call, running, info, error) })
        }
        // The process may be dying and not reported yet: if it turns out so, this attempt met the crash.
        call.suspect = running
        return yield* new StaleSocket({ error })
      }
      const exit = yield* exitSoon(running, call.deadline)
      if (Option.isNone(exit)) return yield* error
      if (call.suspect !== undefined) return yield* crashed(call, running, exit.value, error)
      return yield* new Resend({ error })
    })

  /** What the module answered: its decision, or why there is none (a 503 within the deadline may be retried). */
  const answered = (call: Call, answer: LoopbackAnswer): Effect.Effect<MiddlewareDecision, AttemptError> => {
    if (answer.status === 200) {
      const json = parseJson(answer.body)
      if (Either.isLeft(json)) return Effect.fail(new MalformedResponse({ executor_id: call.executorId, detail: json.left }))
      const decision = decodeDecision(json.right)
      return Either.isRight(decision)
        ? Effect.succeed(decision.right)
        : Effect.fail(
          new MalformedResponse({ executor_id: call.executorId, detail: `\n${formatProblems(problemsOf(decision.left))}` })
        )
    }
    const error = unexpectedStatus(call.executorId, answer)
    if (answer.status !== 503) return Effect.fail(error)
    const waitMs = retryAfterMs(answer.retryAfter)
    return Effect.fail(call.clock.unsafeCurrentTimeMillis() + waitMs < call.deadline ? new Saturated({ waitMs, error }) : error)
  }

  // The attempt path is plain combinators, no generators or Refs: it is paid on every call, and on
  // loopback it is most of what the host adds to the raw request.
  /** One request to `running`. */
  const send = (call: Call, running: RunningModule): Effect.Effect<MiddlewareDecision, AttemptError> =>
    Effect.suspend(() => {
      const now = call.clock.unsafeCurrentTimeMillis()
      const { http } = running.entry
      return Effect.matchEffect(
        transport.post(
          running.baseUrl,
          http.invoke_path,
          Option.isSome(call.traceparent)
            ? { [AUTH_HEADER]: running.authorization, traceparent: call.traceparent.value }
            : { [AUTH_HEADER]: running.authorization },
          call.body,
          { maxBytes: http.max_response_bytes, timeoutMs: Math.max(1, call.deadline - now) }
        ),
        {
          onFailure: (failure): Effect.Effect<never, AttemptError> =>
            failure._tag === "Transport"
              ? brokenConnection(call, running, failure.detail, failure.unsent)
              : failure._tag === "TooLarge"
              ? Effect.fail(new ResponseTooLarge({ executor_id: call.executorId, limit_bytes: http.max_response_bytes }))
              : Effect.fail(new InvokeTimedOut({ executor_id: call.executorId, timeout_ms: call.timeoutMs, limit: call.limit })),
          onSuccess: (answer) => {
            // It answered, so it was alive: nothing left to suspect.
            call.suspect = undefined
            return answered(call, answer)
          }
        }
      )
    })

  /** One request to the serving instance (or to the one an earlier attempt may have reached). */
  const attempt = (call: Call): Effect.Effect<MiddlewareDecision, AttemptError> =>
    Effect.suspend(() => {
      const suspect = call.suspect
      if (suspect === undefined) return Effect.flatMap(resolve(call), (running) => send(call, running))
      return Effect.flatMap(suspect.child.exited, (exited) =>
        Option.isSome(exited)
          ? crashed(call, suspect, exited.value, new TransportFailed({ executor_id: call.executorId, detail: "the process exited during the call" }))
          : send(call, suspect))
    })

  /** One call to `executor`, bounded by its limits, its attempts retried by its policies. */
  const invokeWith = (executor: Executor, envelope: WorkflowEnvelope, options: InvokeOptions) => {
    const { entry, inFlight, retried } = executor
    const [limit, timeoutMs] = tightest(
      options.timeoutMs ?? Infinity,
      envelope.deadline_ms > 0 ? envelope.deadline_ms : Infinity,
      entry.http.request_timeout_ms
    )
    return Effect.clockWith((clock) =>
      Effect.flatMap(currentTraceparent, (traceparent) => {
        const now = clock.unsafeCurrentTimeMillis()
        const call: Call = {
          executorId: entry.id,
          correlationId: envelope.correlation_id,
          body: JSON.stringify(envelope),
          waitForRestart: options.whileRestarting !== "fail-fast",
          retryOnCrash: options.retryOnCrash === true,
          deadline: now + timeoutMs,
          timeoutMs,
          limit,
          suspect: undefined,
          traceparent,
          clock
        }
        return inFlight.withPermit(entry.http.max_in_flight)(retried(attempt(call)))
      }))
  }

  return ModuleClient.of({
    invoke: (executorId, envelope, options = {}) =>
      withClientSpan("ModuleClient.invoke", () => ({ "orbiplex.executor_id": executorId, "orbiplex.correlation_id": envelope.correlation_id }))(
        Effect.flatMap(executorOf(executorId), (executor) =>
          executor === undefined
            ? Metrics.invokeMeter(executorId, envelope.hook)(new UnknownModule({ executor_id: executorId, known: supervisor.ids }))
            : meterOf(executor, envelope.hook)(invokeWith(executor, envelope, options)))
      )
  })
})

/** The client as a layer (with its own keep-alive pool). */
export const layer: Layer.Layer<ModuleClient, never, Supervisor> = Layer.effect(ModuleClient, make).pipe(
  Layer.provide(LoopbackTransportLayer)
)
