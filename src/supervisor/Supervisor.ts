/**
 * The supervisor: one lifetime fiber per module, each owning its module's scope. A lifetime runs
 * the launch graph (ModuleLaunch), watches the process and its health, and repeats the launch on the
 * restart Schedule (RestartSchedule) until the budget is spent. Operators list, inspect, start,
 * stop and restart modules through this service; every transition becomes a lifecycle fact.
 */
import { HttpClient } from "@effect/platform"
import {
  Cause,
  Clock,
  Context,
  DateTime,
  Duration,
  Effect,
  FiberMap,
  FiberRef,
  Layer,
  Option,
  Ref,
  Schedule,
  Stream,
  SubscriptionRef
} from "effect"
import { type FactCause, LifecycleFact, type ModuleState } from "../contract/LifecycleFact.js"
import type { ModuleEntry } from "../contract/ModuleEntry.js"
import { ModuleStatus } from "../contract/ModuleStatus.js"
import { describeExit } from "./ChildProcess.js"
import { LifecycleLog } from "./LifecycleLog.js"
import { type HostIdentity, launchModule, type RunningModule } from "./ModuleLaunch.js"
import { type Crash, restartSchedule, type RestartStep } from "./RestartSchedule.js"
import { ModuleStartFailed, UnknownModule } from "./SupervisorError.js"

/** What the supervisor is asked to run. */
export class SupervisorSettings extends Context.Tag("orbiplex/SupervisorSettings")<SupervisorSettings, {
  readonly host: HostIdentity
  readonly modules: ReadonlyArray<ModuleEntry>
}>() {}

/** States in which a module takes invocations. */
export const isServing = (state: ModuleState): boolean => state === "ready" || state === "degraded"

/** States from which a module will not come back without an operator. */
export const isSettledDown = (state: ModuleState): boolean =>
  state === "failed" || state === "stopped" || state === "configured"

/** The supervisor service. */
export class Supervisor extends Context.Tag("orbiplex/Supervisor")<Supervisor, {
  /** Every module's status, in config order. */
  readonly list: Effect.Effect<ReadonlyArray<ModuleStatus>>
  /** One module's status. */
  readonly inspect: (executorId: string) => Effect.Effect<ModuleStatus, UnknownModule>
  /** Starts a module that is stopped or failed (a fresh restart budget); no-op when it runs. */
  readonly start: (executorId: string) => Effect.Effect<void, UnknownModule>
  /** Stops a module: stop routing, SIGTERM, grace, SIGKILL. */
  readonly stop: (executorId: string) => Effect.Effect<void, UnknownModule>
  /** Stops and starts a module with a fresh restart budget. */
  readonly restart: (executorId: string) => Effect.Effect<void, UnknownModule>
  /** The running instance, if the module is serving now. */
  readonly current: (executorId: string) => Effect.Effect<Option.Option<RunningModule>, UnknownModule>
  /** Status changes of one module, starting with the current status. */
  readonly changes: (executorId: string) => Effect.Effect<Stream.Stream<ModuleStatus>, UnknownModule>
  /** Waits until a module's status satisfies `predicate`, and returns that status. */
  readonly awaitStatus: (
    executorId: string,
    predicate: (status: ModuleStatus) => boolean
  ) => Effect.Effect<ModuleStatus, UnknownModule>
  /** The executor ids, in config order. */
  readonly ids: ReadonlyArray<string>
  /** The supervised entries, in config order. */
  readonly entries: ReadonlyArray<ModuleEntry>
}>() {}

interface RunEnd {
  readonly cause: FactCause
  readonly detail: string
}

interface Slot {
  readonly entry: ModuleEntry
  readonly status: SubscriptionRef.SubscriptionRef<ModuleStatus>
  readonly running: Ref.Ref<Option.Option<RunningModule>>
  /** What ended the last run, for the fact the restart schedule publishes. */
  readonly lastEnd: Ref.Ref<RunEnd>
}

const nowIso = Effect.map(DateTime.now, DateTime.formatIso)

const initialStatus = (entry: ModuleEntry, since: string): ModuleStatus =>
  new ModuleStatus({
    executor_id: entry.id,
    module_id: entry.module_id,
    component_id: entry.component_id,
    state: "configured",
    since,
    capabilities: [],
    hooks: entry.hooks,
    grants: entry.grants,
    restarts: 0,
    health_failures: 0
  })

/** Builds the supervisor and starts every configured module in parallel; stops them in reverse. */
export const make = Effect.gen(function*() {
  const settings = yield* SupervisorSettings
  const log = yield* LifecycleLog
  const client = yield* HttpClient.HttpClient
  const fibers = yield* FiberMap.make<string>()
  const since = yield* nowIso
  const slots = new Map<string, Slot>()
  for (const entry of settings.modules) {
    slots.set(entry.id, {
      entry,
      status: yield* SubscriptionRef.make(initialStatus(entry, since)),
      running: yield* Ref.make(Option.none<RunningModule>()),
      lastEnd: yield* Ref.make<RunEnd>({ cause: "crash", detail: "" })
    })
  }
  const ids = settings.modules.map((entry) => entry.id)
  const slotOf = (executorId: string) => {
    const slot = slots.get(executorId)
    return slot === undefined ? Effect.fail(new UnknownModule({ executor_id: executorId, known: ids })) : Effect.succeed(slot)
  }

  const transition = (
    slot: Slot,
    to: ModuleState,
    cause: FactCause,
    detail: string,
    patch: Partial<ConstructorParameters<typeof ModuleStatus>[0]> = {}
  ) =>
    Effect.gen(function*() {
      const at = yield* nowIso
      const before = yield* SubscriptionRef.get(slot.status)
      // A pid and port describe a live process: they go when the module leaves it behind.
      const { pid: _pid, port: _port, ...withoutProcess } = before
      const base = to === "ready" || to === "degraded" || to === "stopping" ? before : withoutProcess
      const after = new ModuleStatus({ ...base, ...patch, state: to, since: before.state === to ? before.since : at })
      yield* SubscriptionRef.set(slot.status, after)
      yield* log.publish(
        new LifecycleFact({
          at,
          module_id: slot.entry.module_id,
          executor_id: slot.entry.id,
          component_id: slot.entry.component_id,
          from: before.state,
          to,
          cause,
          detail,
          ...(before.pid === undefined && after.pid === undefined ? {} : { pid: after.pid ?? before.pid }),
          ...(before.port === undefined && after.port === undefined ? {} : { port: after.port ?? before.port })
        })
      )
    })

  /** Polls health every `interval_ms`; returns when `failure_threshold` checks failed in a row. */
  const watchHealth = (slot: Slot, running: RunningModule) => {
    const { health, http } = slot.entry
    const check: Effect.Effect<"ok" | "degraded", string> = client.get(running.baseUrl + http.health_path).pipe(
      Effect.mapError((error) => error.message),
      Effect.flatMap((response) =>
        response.status === 200
          ? Effect.map(
            Effect.orElseSucceed(response.json, () => ({})),
            (body): "ok" | "degraded" =>
              typeof body === "object" && body !== null && "status" in body && body.status === "degraded"
                ? "degraded"
                : "ok"
          )
          : Effect.fail(`answered ${response.status}`)
      ),
      Effect.scoped,
      Effect.timeoutFail({ duration: http.request_timeout_ms, onTimeout: () => `no answer within ${http.request_timeout_ms} ms` })
    )
    const step = (failures: number) =>
      Effect.gen(function*() {
        const outcome = yield* Effect.either(check)
        const status = yield* SubscriptionRef.get(slot.status)
        if (outcome._tag === "Right") {
          const target = outcome.right === "degraded" ? "degraded" : "ready"
          if (status.state !== target) {
            yield* transition(slot, target, "health-change", `module reports ${outcome.right}`, { health_failures: 0 })
          } else if (status.health_failures !== 0) {
            yield* SubscriptionRef.set(slot.status, new ModuleStatus({ ...status, health_failures: 0 }))
          }
          return 0
        }
        const failed = failures + 1
        const detail = `health check failed ${failed} of ${health.failure_threshold}: ${outcome.left}`
        if (failed < health.failure_threshold) {
          yield* transition(slot, "degraded", "health-change", detail, { health_failures: failed, last_error: detail })
        } else {
          yield* Ref.set(slot.lastEnd, { cause: "health-change" as const, detail: `${detail}; restarting it` })
          yield* SubscriptionRef.set(slot.status, new ModuleStatus({ ...status, health_failures: failed, last_error: detail }))
        }
        return failed
      })
    return Effect.iterate(0, {
      while: (failures) => failures < health.failure_threshold,
      body: (failures) => Effect.zipRight(Effect.sleep(Duration.millis(health.interval_ms)), step(failures))
    })
  }

  /** One run: launch, serve until the process exits or health gives up, then report the crash. */
  const runOnce = (slot: Slot, first: Ref.Ref<boolean>): Effect.Effect<Crash> =>
    Effect.gen(function*() {
      const isFirst = yield* Ref.getAndSet(first, false)
      const status = yield* SubscriptionRef.get(slot.status)
      yield* transition(
        slot,
        "starting",
        isFirst ? "start" : "restart",
        isFirst
          ? `spawning ${slot.entry.launch.executable} ${slot.entry.launch.args.join(" ")}`.trimEnd()
          : `restart ${status.restarts + 1}`,
        isFirst ? {} : { restarts: status.restarts + 1 }
      )
      return yield* Effect.scoped(
        Effect.gen(function*() {
          const running = yield* launchModule(slot.entry, settings.host)
          const readyAt = yield* Clock.currentTimeMillis
          yield* Ref.set(slot.running, Option.some(running))
          yield* transition(
            slot,
            "ready",
            "ready",
            `pid=${running.pid} port=${running.port} version=${running.report.module_version} ` +
              `capabilities=${running.report.capabilities.map((capability) => capability.capability_id).join(",") || "-"} ` +
              `in ${running.startMillis} ms`,
            {
              pid: running.pid,
              port: running.port,
              module_name: running.report.module_name,
              module_version: running.report.module_version,
              description: running.report.description,
              capabilities: running.report.capabilities.map((capability) => capability.capability_id),
              health_failures: 0
            }
          )
          const ended = yield* Effect.raceFirst(
            Effect.map(running.child.exit, (exit): RunEnd => ({ cause: "crash", detail: `process ${describeExit(exit)}` })),
            Effect.zipRight(watchHealth(slot, running), Ref.get(slot.lastEnd))
          ).pipe(Effect.ensuring(Ref.set(slot.running, Option.none())))
          yield* Ref.set(slot.lastEnd, ended)
          const endedAt = yield* Clock.currentTimeMillis
          return { uptimeMs: endedAt - readyAt, permanent: false } satisfies Crash
        })
      ).pipe(
        Effect.catchTag("ModuleStartFailed", (error: ModuleStartFailed) =>
          Effect.as(
            Ref.set(slot.lastEnd, { cause: "start-failed" as const, detail: error.message }),
            { uptimeMs: 0, permanent: error.permanent } satisfies Crash
          )),
        Effect.provideService(HttpClient.HttpClient, client)
      )
    })

  const announceStep = (slot: Slot) => (step: RestartStep) =>
    Effect.gen(function*() {
      const ended = yield* Ref.get(slot.lastEnd)
      const policy = slot.entry.restart_policy
      if (step._tag === "Restart") {
        return yield* transition(
          slot,
          "starting",
          ended.cause,
          `${ended.detail}; restart ${step.inWindow} of ${policy.max_restarts} in ${policy.window_sec} s, in ${step.delayMs} ms`,
          { last_error: ended.detail }
        )
      }
      const detail = step.reason === "budget-exhausted"
        ? `${ended.detail}; ${policy.max_restarts} restarts in ${policy.window_sec} s used up: fix the module, then restart it`
        : step.reason === "restart-disabled"
        ? `${ended.detail}; restart_policy.mode is "never"`
        : ended.detail
      yield* transition(slot, "failed", step.reason === "budget-exhausted" ? "budget-exhausted" : ended.cause, detail, {
        last_error: ended.detail
      })
    })

  const lifetime = (slot: Slot) =>
    Effect.gen(function*() {
      // Works around an effect 3.22 bug: after a finalizer added with `Effect.addFinalizer` runs,
      // the fiber's FiberRefs are replayed from the time it was added, and when the interrupted-cause
      // ref was not yet set on this fiber then, the replay clears an interrupt that arrived during the
      // finalizer. A `stop` landing while a crashed run's scope closes was lost that way and hung
      // forever. With the ref set first, the replay has nothing of it to restore.
      yield* FiberRef.set(FiberRef.interruptedCause, Cause.empty)
      const first = yield* Ref.make(true)
      const schedule = restartSchedule(slot.entry.restart_policy).pipe(Schedule.tapOutput(announceStep(slot)))
      yield* Effect.repeat(runOnce(slot, first), schedule)
    })

  const start = (executorId: string) =>
    Effect.flatMap(slotOf(executorId), (slot) => FiberMap.run(fibers, executorId, lifetime(slot), { onlyIfMissing: true }).pipe(Effect.asVoid))

  const stop = (executorId: string) =>
    Effect.gen(function*() {
      const slot = yield* slotOf(executorId)
      const running = yield* FiberMap.has(fibers, executorId)
      if (!running) return
      const before = yield* SubscriptionRef.get(slot.status)
      yield* transition(slot, "stopping", "stop", before.pid === undefined ? "" : `SIGTERM to pid ${before.pid}`)
      const startedAt = yield* Clock.currentTimeMillis
      yield* FiberMap.remove(fibers, executorId)
      const tookMs = (yield* Clock.currentTimeMillis) - startedAt
      yield* transition(slot, "stopped", "stop", `in ${tookMs} ms`, {})
    })

  const awaitStatus = (executorId: string, predicate: (status: ModuleStatus) => boolean) =>
    Effect.flatMap(slotOf(executorId), (slot) =>
      slot.status.changes.pipe(
        Stream.filter(predicate),
        Stream.runHead,
        Effect.flatMap(Option.match({
          onNone: () => SubscriptionRef.get(slot.status),
          onSome: Effect.succeed
        }))
      ))

  // Stop in reverse config order before the FiberMap interrupts whatever is left.
  yield* Effect.addFinalizer(() => Effect.forEach([...ids].reverse(), (id) => Effect.ignore(stop(id)), { discard: true }))

  const service = Supervisor.of({
    ids,
    entries: settings.modules,
    list: Effect.forEach(ids, (id) => Effect.flatMap(slotOf(id), (slot) => SubscriptionRef.get(slot.status)).pipe(Effect.orDie)),
    inspect: (executorId) => Effect.flatMap(slotOf(executorId), (slot) => SubscriptionRef.get(slot.status)),
    start,
    stop,
    restart: (executorId) => Effect.zipRight(stop(executorId), start(executorId)),
    current: (executorId) => Effect.flatMap(slotOf(executorId), (slot) => Ref.get(slot.running)),
    changes: (executorId) => Effect.map(slotOf(executorId), (slot) => slot.status.changes),
    awaitStatus
  })

  // All modules start in parallel; the service is handed out once each is serving or has failed.
  yield* Effect.forEach(settings.modules, (entry) => start(entry.id), { discard: true }).pipe(Effect.orDie)
  yield* Effect.forEach(
    ids,
    (id) => awaitStatus(id, (status) => isServing(status.state) || isSettledDown(status.state)),
    { concurrency: "unbounded", discard: true }
  ).pipe(Effect.orDie)
  return service
})

/** The supervisor, with its lifecycle log. */
export const layer: Layer.Layer<Supervisor, never, SupervisorSettings | LifecycleLog | HttpClient.HttpClient> = Layer
  .scoped(Supervisor, make)
