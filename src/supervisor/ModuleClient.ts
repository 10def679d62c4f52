/**
 * Invocation of supervised modules (CONTRACTS §1.3, §2): `WorkflowEnvelope` in, `MiddlewareDecision`
 * out, over keep-alive loopback HTTP with the launch token. The host bounds everything: its own
 * `max_in_flight` semaphore, one deadline per call, `max_response_bytes` while reading, 503 +
 * `Retry-After` honoured within the deadline, one retry of a dead pooled socket after a restart,
 * and (by option) a wait for a restarting module within the deadline.
 */
import { Clock, Context, Duration, Effect, Either, Layer, Option, Schema, Stream } from "effect"
import { MiddlewareDecision } from "../contract/Decision.js"
import type { WorkflowEnvelope } from "../contract/Envelope.js"
import type { ModuleEntry } from "../contract/ModuleEntry.js"
import { ErrorBody } from "../contract/ErrorBody.js"
import { formatProblems, problemsOf } from "../contract/Problems.js"
import { AUTH_HEADER } from "./ChildEnvironment.js"
import {
  type InvokeError,
  InvokeTimedOut,
  MalformedResponse,
  ModuleNotReady,
  ResponseTooLarge,
  TransportFailed,
  UnexpectedStatus
} from "./InvokeError.js"
import { layer as LoopbackTransportLayer, type LoopbackAnswer, LoopbackTransport } from "./LoopbackTransport.js"
import type { RunningModule } from "./ModuleLaunch.js"
import { isServing, isSettledDown, Supervisor } from "./Supervisor.js"
import { UnknownModule } from "./SupervisorError.js"

/** Per-call choices. */
export interface InvokeOptions {
  /** Upper bound for this call; the module's `request_timeout_ms` and the envelope's `deadline_ms` also bound it. */
  readonly timeoutMs?: number
  /** While the module restarts: wait for it within the deadline (default), or fail at once. */
  readonly whileRestarting?: "wait" | "fail-fast"
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
  Either.try({ try: (): unknown => JSON.parse(text), catch: () => `not JSON: ${JSON.stringify(text.slice(0, 120))}` })

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

/** Builds the client over the supervisor's running modules. */
export const make = Effect.gen(function*() {
  const supervisor = yield* Supervisor
  const transport = yield* LoopbackTransport
  // One lookup per call: each executor's entry with its host-side max_in_flight semaphore.
  const executors = new Map<string, { readonly entry: ModuleEntry; readonly inFlight: Effect.Semaphore }>()
  for (const entry of supervisor.entries) {
    executors.set(entry.id, { entry, inFlight: yield* Effect.makeSemaphore(entry.http.max_in_flight) })
  }

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
  const resolve = (
    executorId: string,
    waitForRestart: boolean,
    deadline: number
  ): Effect.Effect<RunningModule, ModuleNotReady | InvokeTimedOut | UnknownModule> =>
    // The hot path: a serving instance needs no subscription to status changes.
    Effect.flatMap(usable(executorId), Option.match({
      onSome: Effect.succeed,
      onNone: () => awaitInstance(executorId, waitForRestart, deadline)
    }))

  const awaitInstance = (
    executorId: string,
    waitForRestart: boolean,
    deadline: number
  ): Effect.Effect<RunningModule, ModuleNotReady | UnknownModule> =>
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
      const status = yield* supervisor.inspect(executorId)
      // A status that still says ready or degraded belongs to a process that has just exited.
      return yield* new ModuleNotReady({ executor_id: executorId, state: isServing(status.state) ? "exiting" : status.state })
    })

  /** Whether `running`'s process is gone or goes within CRASH_SETTLE_MS (bounded by the deadline). */
  const exitedSoon = (running: RunningModule, deadline: number): Effect.Effect<boolean> =>
    Effect.flatMap(Clock.currentTimeMillis, (now) =>
      running.child.exit.pipe(
        Effect.timeoutOption(Duration.millis(Math.max(0, Math.min(CRASH_SETTLE_MS, deadline - now)))),
        Effect.map(Option.isSome)
      ))

  /** One request; `None` means the module was saturated, waited out its Retry-After, and may be tried again. */
  const attemptOnce = (
    executorId: string,
    running: RunningModule,
    body: string,
    deadline: number,
    timeoutMs: number
  ): Effect.Effect<Option.Option<MiddlewareDecision>, InvokeError> =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const answer = yield* transport.post(
        running.baseUrl,
        running.entry.http.invoke_path,
        { [AUTH_HEADER]: running.authorization },
        body,
        { maxBytes: running.entry.http.max_response_bytes, timeoutMs: Math.max(1, deadline - now) }
      ).pipe(
        Effect.mapError((failure) =>
          failure._tag === "Transport"
            ? new TransportFailed({ executor_id: executorId, detail: failure.detail })
            : failure._tag === "TooLarge"
            ? new ResponseTooLarge({ executor_id: executorId, limit_bytes: running.entry.http.max_response_bytes })
            : new InvokeTimedOut({ executor_id: executorId, timeout_ms: timeoutMs })
        )
      )
      if (answer.status === 200) {
        const json = parseJson(answer.body)
        if (Either.isLeft(json)) return yield* new MalformedResponse({ executor_id: executorId, detail: json.left })
        const decision = decodeDecision(json.right)
        if (Either.isLeft(decision)) {
          return yield* new MalformedResponse({ executor_id: executorId, detail: `\n${formatProblems(problemsOf(decision.left))}` })
        }
        return Option.some(decision.right)
      }
      if (answer.status === 503) {
        const seconds = Number(answer.retryAfter ?? "1")
        const waitMs = Math.max(1, Number.isFinite(seconds) ? seconds * 1_000 : 1_000)
        if ((yield* Clock.currentTimeMillis) + waitMs < deadline) {
          yield* Effect.sleep(Duration.millis(waitMs))
          return Option.none()
        }
      }
      return yield* unexpectedStatus(executorId, answer)
    })

  const call = (
    executorId: string,
    body: string,
    waitForRestart: boolean,
    deadline: number,
    timeoutMs: number,
    transportRetries: number
  ): Effect.Effect<MiddlewareDecision, InvokeError | UnknownModule> =>
    Effect.flatMap(resolve(executorId, waitForRestart, deadline), (running) =>
      attemptOnce(executorId, running, body, deadline, timeoutMs).pipe(
        Effect.matchEffect({
          onSuccess: Option.match({
            onNone: () => call(executorId, body, waitForRestart, deadline, timeoutMs, transportRetries),
            onSome: Effect.succeed
          }),
          onFailure: (error): Effect.Effect<MiddlewareDecision, InvokeError | UnknownModule> => {
            if (error._tag !== "TransportFailed") return Effect.fail(error)
            // A pooled keep-alive socket can be dead after a restart: resolve again and retry once.
            if (transportRetries > 0) return call(executorId, body, waitForRestart, deadline, timeoutMs, transportRetries - 1)
            // A module that just crashed refuses connections before the supervisor sees its exit:
            // once the process is gone, call again (the next instance, or ModuleNotReady when fail-fast).
            return Effect.flatMap(exitedSoon(running, deadline), (gone) =>
              gone ? call(executorId, body, waitForRestart, deadline, timeoutMs, 0) : Effect.fail(error))
          }
        })
      ))

  return ModuleClient.of({
    invoke: (executorId, envelope, options = {}) =>
      Effect.gen(function*() {
        const executor = executors.get(executorId)
        if (executor === undefined) {
          return yield* new UnknownModule({ executor_id: executorId, known: supervisor.ids })
        }
        const { entry, inFlight } = executor
        const timeoutMs = Math.min(
          options.timeoutMs ?? Infinity,
          entry.http.request_timeout_ms,
          envelope.deadline_ms > 0 ? envelope.deadline_ms : Infinity
        )
        const deadline = (yield* Clock.currentTimeMillis) + timeoutMs
        const body = JSON.stringify(envelope)
        return yield* inFlight.withPermits(1)(
          call(executorId, body, options.whileRestarting !== "fail-fast", deadline, timeoutMs, 1)
        )
      })
  })
})

/** The client as a layer (with its own keep-alive pool). */
export const layer: Layer.Layer<ModuleClient, never, Supervisor> = Layer.effect(ModuleClient, make).pipe(
  Layer.provide(LoopbackTransportLayer)
)
