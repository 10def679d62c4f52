/**
 * A supervised provider: a provider entry with a `launch` block, run by the host for its whole life.
 *
 * Why not the middleware `Supervisor` itself: its launch graph (ModuleLaunch) is welded to the
 * middleware contract (token file, `middleware-init`, the module report), which a provider does not
 * speak. So the reuse is one level down, where the two agree: the same process resource
 * (`spawnChild`: own process group, stdin held open so the child exits when the host dies, SIGTERM →
 * grace → SIGKILL on scope close), the same preflight, the same announcement line (for port 0), the
 * same restart `Schedule` with its budget, and the same lifecycle facts. Readiness is the provider's
 * `health_url` answering 200; health checks while serving restart it after `failure_threshold`.
 */
import { Cause, Clock, DateTime, Duration, Effect, Fiber, FiberRef, Option, Ref, Schedule, type Scope, Stream, SubscriptionRef } from "effect"
import { type FactCause, LifecycleFact, type ModuleState } from "../contract/LifecycleFact.js"
import { announcedOrigin, watchChildOutput } from "../supervisor/ChildOutput.js"
import { describeExit, spawnChild } from "../supervisor/ChildProcess.js"
import { LifecycleLog } from "../supervisor/LifecycleLog.js"
import { preflight } from "../supervisor/Preflight.js"
import { type Crash, restartSchedule, type RestartStep } from "../supervisor/RestartSchedule.js"
import { announcesPort, type ProviderEntry, toLaunch } from "./ProviderConfig.js"
import { ProviderTransport } from "./ProviderTransport.js"

/** A supervised provider's state, as operators and callers see it. */
export interface ProviderProcessStatus {
  readonly name: string
  readonly state: ModuleState
  readonly pid?: number
  /** `http://127.0.0.1:<port>` while serving. */
  readonly origin?: string
  readonly restarts: number
  readonly lastError?: string
}

/** The handle the registry keeps of a supervised provider. */
export interface SupervisedProvider {
  readonly status: Effect.Effect<ProviderProcessStatus>
  /**
   * The origin to call: at once while serving; otherwise waits up to `withinMs` for a (re)start,
   * and gives the state it is stuck in when that does not happen.
   */
  readonly origin: (withinMs: number) => Effect.Effect<string, ProviderProcessStatus>
  /** Waits until the provider serves or has given up (failed). */
  readonly settled: Effect.Effect<ProviderProcessStatus>
}

/** States in which calls are sent. */
const isServing = (state: ModuleState) => state === "ready" || state === "degraded"

/** A start that did not get to ready; `permanent` when restarting cannot help. */
interface StartFailure {
  readonly detail: string
  readonly permanent: boolean
}

interface RunEnd {
  readonly cause: FactCause
  readonly detail: string
}

const HEALTH_TIMEOUT_MS = 2_000

/** Starts supervising `entry` (which must have a resolved `launch`) in the caller's scope. */
export const supervise = Effect.fn("ProviderProcess.supervise")(function*(entry: ProviderEntry) {
  const launch = entry.launch
  if (launch === undefined) return yield* Effect.dieMessage(`provider ${entry.name} has no launch block`)
  const log = yield* LifecycleLog
  const transport = yield* ProviderTransport
  const component = `provider.${entry.name}`
  const invokeUrl = new URL(entry.url)
  const healthUrl = new URL(entry.health_url ?? entry.url)
  const status = yield* SubscriptionRef.make<ProviderProcessStatus>({ name: entry.name, state: "configured", restarts: 0 })
  const lastEnd = yield* Ref.make<RunEnd>({ cause: "crash", detail: "" })
  const setEnd = (cause: FactCause, detail: string) => Ref.set(lastEnd, { cause, detail })

  const transition = (to: ModuleState, cause: FactCause, detail: string, patch: Partial<ProviderProcessStatus> = {}) =>
    Effect.gen(function*() {
      const at = DateTime.formatIso(yield* DateTime.now)
      const before = yield* SubscriptionRef.get(status)
      const after: ProviderProcessStatus = { ...before, ...patch, state: to }
      yield* SubscriptionRef.set(status, after)
      const port = after.origin === undefined ? undefined : Number(new URL(after.origin).port)
      yield* log.publish(
        new LifecycleFact({
          at,
          module_id: entry.name,
          executor_id: component,
          component_id: component,
          from: before.state,
          to,
          cause,
          detail,
          ...(after.pid === undefined ? {} : { pid: after.pid }),
          ...(port === undefined ? {} : { port })
        })
      )
    })

  const healthOnce = (origin: string) =>
    transport.request({
      method: "GET",
      origin,
      path: healthUrl.pathname + healthUrl.search,
      headers: {},
      maxBytes: 65_536,
      timeoutMs: HEALTH_TIMEOUT_MS
    }).pipe(
      Effect.mapError((failure) =>
        failure._tag === "Transport" ? failure.detail : failure._tag === "TimedOut" ? `no answer within ${failure.timeoutMs} ms` : "answer too large"
      ),
      Effect.flatMap((answer) => (answer.status === 200 ? Effect.void : Effect.fail(`answered HTTP ${answer.status}`)))
    )

  /** Launch, serve until exit or failed health, and say how the run ended. */
  const runOnce = (first: Ref.Ref<boolean>): Effect.Effect<Crash> =>
    Effect.gen(function*() {
      const isFirst = yield* Ref.getAndSet(first, false)
      const before = yield* SubscriptionRef.get(status)
      yield* transition("starting", isFirst ? "start" : "restart", `${launch.executable} ${launch.args.join(" ")}`.trimEnd(), {
        restarts: isFirst ? before.restarts : before.restarts + 1
      })
      return yield* Effect.scoped(Effect.gen(function*() {
        const fail = (detail: string, permanent = false): StartFailure => ({ detail, permanent })
        const problems = yield* preflight(toLaunch(launch))
        if (problems.length > 0) {
          return yield* Effect.fail(fail(problems.map((p) => `${p.field}: ${p.detail} (${p.hint})`).join("; "), true))
        }
        const spawnedAt = yield* Clock.currentTimeMillis
        const child = yield* spawnChild({
          executable: launch.executable,
          args: launch.args,
          cwd: launch.cwd,
          env: {
            ...launch.env,
            ORBIPLEX_PROVIDER_NAME: entry.name,
            ORBIPLEX_LISTEN_HOST: invokeUrl.hostname.replace(/^\[|\]$/g, ""),
            ORBIPLEX_LISTEN_PORT: invokeUrl.port === "" ? "80" : invokeUrl.port,
            PYTHONUNBUFFERED: "1"
          },
          graceMs: entry.stop.grace_ms
        }).pipe(Effect.mapError((e) => fail(`cannot start ${e.executable}: ${e.reason}`, true)))
        yield* SubscriptionRef.update(status, (s) => ({ ...s, pid: child.pid }))
        const awaitAnnouncement = yield* watchChildOutput(child, component)
        const orExit = <A>(effect: Effect.Effect<A, StartFailure>) =>
          Effect.raceFirst(
            effect,
            Effect.flatMap(child.exit, (exit) => Effect.fail(fail(`the process ${describeExit(exit)} before it was ready; read its stderr lines above`)))
          )
        const deadline = spawnedAt + entry.startup_timeout
        const left = Effect.map(Clock.currentTimeMillis, (now) => Duration.millis(Math.max(0, deadline - now)))
        const origin = announcesPort(entry)
          ? yield* orExit(awaitAnnouncement.pipe(
            Effect.timeoutFail({
              duration: entry.startup_timeout,
              onTimeout: () => fail(`no {"event":"listening",...} line on stdout within ${entry.startup_timeout} ms; a provider on port 0 must announce its port`)
            }),
            Effect.map(announcedOrigin)
          ))
          : invokeUrl.origin
        const lastHealth = yield* Ref.make("no answer yet")
        yield* orExit(healthOnce(origin).pipe(
          Effect.tapError((detail) => Ref.set(lastHealth, detail)),
          Effect.retry(Schedule.exponential(Duration.millis(5), 1.5).pipe(Schedule.either(Schedule.spaced("100 millis")))),
          Effect.timeout(yield* left),
          Effect.catchAll(() => Effect.flatMap(Ref.get(lastHealth), (last) =>
            Effect.fail(fail(`${healthUrl.pathname} did not answer 200 within ${entry.startup_timeout} ms (last: ${last}); raise startup_timeout if it is slow to start`))))
        ))
        const readyAt = yield* Clock.currentTimeMillis
        yield* transition("ready", "ready", `pid=${child.pid} ${origin} in ${readyAt - spawnedAt} ms`, { origin })
        const watchHealth = Effect.iterate(0, {
          while: (failures) => failures < entry.health.failure_threshold,
          body: (failures) =>
            Effect.zipRight(
              Effect.sleep(Duration.millis(entry.health.interval_ms)),
              Effect.matchEffect(healthOnce(origin), {
                onSuccess: () => Effect.as(failures > 0 ? transition("ready", "health-change", "health check passed") : Effect.void, 0),
                onFailure: (detail) => {
                  const failed = failures + 1
                  const line = `health check failed ${failed} of ${entry.health.failure_threshold}: ${detail}`
                  return Effect.as(
                    failed < entry.health.failure_threshold
                      ? transition("degraded", "health-change", line, { lastError: line })
                      : setEnd("health-change", `${line}; restarting it`),
                    failed
                  )
                }
              })
            )
        })
        const ended = yield* Effect.raceFirst(
          Effect.map(child.exit, (exit): RunEnd => ({ cause: "crash", detail: `process ${describeExit(exit)}` })),
          Effect.zipRight(watchHealth, Ref.get(lastEnd))
        )
        yield* Ref.set(lastEnd, ended)
        yield* SubscriptionRef.update(status, ({ origin: _, ...rest }) => rest)
        return { uptimeMs: (yield* Clock.currentTimeMillis) - readyAt, permanent: false } satisfies Crash
      })).pipe(
        Effect.catchAll((failure: StartFailure) =>
          Effect.as(
            Effect.zipRight(
              SubscriptionRef.update(status, ({ origin: _, ...rest }) => rest),
              setEnd("start-failed", failure.detail)
            ),
            { uptimeMs: 0, permanent: failure.permanent } satisfies Crash
          ))
      )
    })

  const announceStep = (step: RestartStep) =>
    Effect.gen(function*() {
      const ended = yield* Ref.get(lastEnd)
      const policy = entry.restart_policy
      if (step._tag === "Restart") {
        return yield* transition("starting", ended.cause, `${ended.detail}; restart ${step.inWindow} of ${policy.max_restarts} in ${policy.window_sec} s, in ${step.delayMs} ms`, {
          lastError: ended.detail
        })
      }
      const detail = step.reason === "budget-exhausted"
        ? `${ended.detail}; ${policy.max_restarts} restarts in ${policy.window_sec} s used up: fix the provider, then restart the node`
        : ended.detail
      yield* transition("failed", step.reason === "budget-exhausted" ? "budget-exhausted" : ended.cause, detail, { lastError: ended.detail })
    })

  const lifetime = Effect.gen(function*() {
    // The same effect 3.22 workaround as the supervisor's lifetime (see Supervisor.ts): an interrupt that
    // lands while a finalizer runs must not be lost.
    yield* FiberRef.set(FiberRef.interruptedCause, Cause.empty)
    const first = yield* Ref.make(true)
    yield* Effect.repeat(runOnce(first), restartSchedule(entry.restart_policy).pipe(Schedule.tapOutput(announceStep)))
  })
  const fiber = yield* Effect.forkScoped(lifetime)
  // Runs before the scope interrupts the fiber itself, so the facts frame the real stop.
  yield* Effect.addFinalizer(() =>
    Effect.gen(function*() {
      const before = yield* SubscriptionRef.get(status)
      if (before.state === "failed") return
      yield* transition("stopping", "stop", before.pid === undefined ? "" : `SIGTERM to pid ${before.pid}`)
      const startedAt = yield* Clock.currentTimeMillis
      yield* Fiber.interrupt(fiber)
      yield* transition("stopped", "stop", `in ${(yield* Clock.currentTimeMillis) - startedAt} ms`)
    })
  )

  const settledOrServing = (s: ProviderProcessStatus) => isServing(s.state) || s.state === "failed" || s.state === "stopped"
  const awaitStatus = (predicate: (s: ProviderProcessStatus) => boolean) =>
    status.changes.pipe(Stream.filter(predicate), Stream.runHead, Effect.flatMap(Option.match({ onNone: () => SubscriptionRef.get(status), onSome: Effect.succeed })))

  return {
    status: SubscriptionRef.get(status),
    origin: (withinMs: number) =>
      Effect.flatMap(SubscriptionRef.get(status), (now): Effect.Effect<string, ProviderProcessStatus> => {
        if (isServing(now.state) && now.origin !== undefined) return Effect.succeed(now.origin)
        if (now.state === "failed" || now.state === "stopped" || withinMs <= 0) return Effect.fail(now)
        return awaitStatus((s) => settledOrServing(s) && (s.origin !== undefined || !isServing(s.state))).pipe(
          Effect.timeoutTo({ duration: Duration.millis(withinMs), onTimeout: () => SubscriptionRef.get(status), onSuccess: Effect.succeed }),
          Effect.flatten,
          Effect.flatMap((s) => (isServing(s.state) && s.origin !== undefined ? Effect.succeed(s.origin) : Effect.fail(s)))
        )
      }),
    settled: awaitStatus((s) => (isServing(s.state) && s.origin !== undefined) || s.state === "failed" || s.state === "stopped")
  } satisfies SupervisedProvider
})

/** The scoped start, as a plain type. */
export type Supervising = Effect.Effect<SupervisedProvider, never, Scope.Scope | LifecycleLog | ProviderTransport>
