/**
 * The one lifetime of a supervised member, module or provider alike: launch (through the Launcher)
 * → ready → health → end of the run → restart on the restart Schedule while the budget lasts, else
 * failed. Every transition is a lifecycle fact; once an operator's stop has begun (`stopping`), the
 * lifetime publishes nothing more, so a stop always wins over whatever the lifetime was about to do.
 */
import { Cause, Clock, DateTime, Duration, Effect, FiberRef, Option, Ref, Schedule, SubscriptionRef } from "effect"
import { type FactCause, LifecycleFact, type ModuleState } from "../contract/LifecycleFact.js"
import { LastExit, ModuleStatus } from "../contract/ModuleStatus.js"
import { describeExit, type ExitInfo } from "./ChildProcess.js"
import type { Launcher } from "./Launcher.js"
import type { LifecycleLog } from "./LifecycleLog.js"
import type { MemberSpec, Run } from "./Member.js"
import { healthPolicy } from "./Probe.js"
import { type Crash, restartSchedule, type RestartStep } from "./RestartSchedule.js"
import type { ModuleStartFailed } from "./SupervisorError.js"

/** One member's mutable part: its status, its current run, and the lock its transitions take. */
export interface Slot {
  readonly member: MemberSpec
  readonly status: SubscriptionRef.SubscriptionRef<ModuleStatus>
  readonly run: Ref.Ref<Option.Option<Run>>
  /** Serialises transitions, so a fact's `from` is always the previous fact's `to`. */
  readonly lock: Effect.Semaphore
}

/** How a run ended: what the restart schedule needs (a Crash) and what the next fact says. */
export interface RunEnd extends Crash {
  readonly cause: FactCause
  readonly detail: string
  /** The process's exit, when it ended by exiting. */
  readonly exit?: ExitInfo
  /** When it ended (ISO). */
  readonly exitedAt?: string
}

/** A status patch. */
export type StatusPatch = Partial<ConstructorParameters<typeof ModuleStatus>[0]>

/** Who asks for a transition: the lifetime yields to an operator's stop, the operator does not. */
export type Actor = "lifetime" | "operator"

const nowIso = Effect.map(DateTime.now, DateTime.formatIso)

/** A member's status before its first start. */
export const initialStatus = (member: MemberSpec, since: string): ModuleStatus =>
  new ModuleStatus({
    executor_id: member.id,
    kind: member.kind,
    module_id: member.module_id,
    component_id: member.component_id,
    state: "configured",
    since,
    capabilities: [],
    hooks: member.hooks,
    grants: member.grants,
    restarts: 0,
    health_failures: 0
  })

/** A new slot for `member`. */
export const makeSlot = (member: MemberSpec): Effect.Effect<Slot> =>
  Effect.gen(function*() {
    const since = yield* nowIso
    return {
      member,
      status: yield* SubscriptionRef.make(initialStatus(member, since)),
      run: yield* Ref.make(Option.none<Run>()),
      lock: yield* Effect.makeSemaphore(1)
    }
  })

// The status's record of how the run's process ended, when it ended by exiting.
const lastExitPatch = (end: RunEnd): StatusPatch =>
  end.exit === undefined ? {} : {
    last_exit: new LastExit({
      ...(end.exit.code === null ? {} : { code: end.exit.code }),
      ...(end.exit.signal === null ? {} : { signal: end.exit.signal }),
      at: end.exitedAt ?? ""
    })
  }

/** The lifetime operations over one fact log and one launcher. */
export const makeLifetime = (log: LifecycleLog["Type"], launcher: Launcher["Type"]) => {
  /** Moves `slot` to `to` and publishes the fact; a lifetime's request is dropped once a stop began. */
  const transition = (
    slot: Slot,
    actor: Actor,
    to: ModuleState,
    cause: FactCause,
    detail: string,
    patch: StatusPatch = {}
  ): Effect.Effect<boolean> =>
    slot.lock.withPermits(1)(Effect.gen(function*() {
      const before = yield* SubscriptionRef.get(slot.status)
      if (actor === "lifetime" && (before.state === "stopping" || before.state === "stopped")) return false
      const at = yield* nowIso
      // A pid and port describe a live process: they go when the member leaves it behind.
      const { pid: _pid, port: _port, ready_at: _readyAt, ...withoutProcess } = before
      const base = to === "ready" || to === "degraded" || to === "stopping" ? before : withoutProcess
      const after = new ModuleStatus({ ...base, ...patch, state: to, since: before.state === to ? before.since : at })
      yield* SubscriptionRef.set(slot.status, after)
      const pid = after.pid ?? before.pid
      const port = after.port ?? before.port
      yield* log.publish(
        new LifecycleFact({
          at,
          module_id: slot.member.module_id,
          executor_id: slot.member.id,
          component_id: slot.member.component_id,
          from: before.state,
          to,
          cause,
          detail,
          ...(pid === undefined ? {} : { pid }),
          ...(port === undefined ? {} : { port })
        })
      )
      return true
    })).pipe(Effect.uninterruptible)

  /** Updates counters without a transition (no fact); dropped once a stop began. */
  const patchStatus = (slot: Slot, patch: StatusPatch) =>
    slot.lock.withPermits(1)(SubscriptionRef.update(slot.status, (status) =>
      status.state === "stopping" || status.state === "stopped" ? status : new ModuleStatus({ ...status, ...patch })
    ))

  /**
   * One health check per interval (healthPolicy); ends with the run's end once `failure_threshold`
   * checks in a row failed. The count lives in the status, which operators see anyway.
   */
  const watchHealth = (slot: Slot, run: Run): Effect.Effect<RunEnd> => {
    const { health, requestTimeoutMs } = slot.member
    const check = Effect.gen(function*() {
      const outcome = yield* Effect.either(
        Effect.timeoutFail(run.probe, { duration: Duration.millis(requestTimeoutMs), onTimeout: () => `no answer within ${requestTimeoutMs} ms` })
      )
      const status = yield* SubscriptionRef.get(slot.status)
      if (outcome._tag === "Right") {
        const target = outcome.right === "degraded" ? "degraded" : "ready"
        if (status.state !== target) {
          yield* transition(slot, "lifetime", target, "health-change", `${slot.member.kind} reports ${outcome.right}`, { health_failures: 0 })
        } else if (status.health_failures !== 0) {
          yield* patchStatus(slot, { health_failures: 0 })
        }
        return
      }
      const failed = status.health_failures + 1
      const detail = `health check failed ${failed} of ${health.failure_threshold}: ${outcome.left}`
      if (failed < health.failure_threshold) {
        // Already degraded: a further failure is no transition, only a count operators see in the status.
        yield* status.state === "degraded"
          ? patchStatus(slot, { health_failures: failed, last_error: detail })
          : transition(slot, "lifetime", "degraded", "health-change", detail, { health_failures: failed, last_error: detail })
        return
      }
      yield* patchStatus(slot, { health_failures: failed, last_error: detail })
      return yield* Effect.fail<RunEnd>({ cause: "health-change", detail: `${detail}; restarting it`, uptimeMs: 0, permanent: false })
    })
    // The policy never ends by itself, so the only way out is the failure above.
    return Effect.schedule(check, healthPolicy(health.interval_ms)).pipe(
      Effect.flip,
      Effect.catchAll(() => Effect.never)
    )
  }

  /** One run: launch, serve until the process ends or health gives up, and say how it ended. */
  const serve = (slot: Slot): Effect.Effect<RunEnd> =>
    Effect.scoped(
      Effect.gen(function*() {
        const run = yield* launcher.launch(slot.member, (pid, host, port) =>
          // Operators see the process as soon as it announces, long before a slow module is ready.
          Effect.asVoid(transition(slot, "lifetime", "starting", "listening", `pid=${pid} listening on ${host}:${port}`, { pid, port })))
        const readyAt = yield* Clock.currentTimeMillis
        yield* Ref.set(slot.run, Option.some(run))
        yield* transition(slot, "lifetime", "ready", "ready", run.readyDetail, {
          pid: run.pid,
          port: run.port,
          ready_at: DateTime.formatIso(DateTime.unsafeMake(readyAt)),
          ...run.readyFields,
          health_failures: 0
        })
        const ended = yield* Effect.raceFirst(
          Effect.map(run.exit, (exit): RunEnd => ({ cause: "crash", detail: `process ${describeExit(exit)}`, exit, uptimeMs: 0, permanent: false })),
          watchHealth(slot, run)
        ).pipe(Effect.ensuring(Ref.set(slot.run, Option.none())))
        const endedAt = yield* Clock.currentTimeMillis
        return { ...ended, uptimeMs: endedAt - readyAt, exitedAt: DateTime.formatIso(DateTime.unsafeMake(endedAt)) }
      })
    ).pipe(
      Effect.catchTag("ModuleStartFailed", (error: ModuleStartFailed) =>
        Effect.succeed<RunEnd>({ cause: "start-failed", detail: error.message, uptimeMs: 0, permanent: error.permanent }))
    )

  /** The fact after a run ended: restarting (after the delay), or failed. */
  const announce = (slot: Slot, step: RestartStep, end: RunEnd) => {
    const policy = slot.member.restart_policy
    const exited = lastExitPatch(end)
    if (step._tag === "Restart") {
      return transition(
        slot,
        "lifetime",
        "starting",
        end.cause,
        `${end.detail}; restart ${step.inWindow} of ${policy.max_restarts} in ${policy.window_sec} s, in ${step.delayMs} ms`,
        { last_error: end.detail, ...exited }
      )
    }
    const detail = step.reason === "budget-exhausted"
      ? `${end.detail}; ${policy.max_restarts} restarts in ${policy.window_sec} s used up: fix the ${slot.member.kind}, then restart it`
      : step.reason === "restart-disabled"
      ? `${end.detail}; restart_policy.mode is "never"`
      : end.detail
    return transition(slot, "lifetime", "failed", step.reason === "budget-exhausted" ? "budget-exhausted" : end.cause, detail, {
      last_error: end.detail,
      ...exited
    })
  }

  /** The restart fact, published when the backoff delay is over and the next run begins. */
  const restartFact = (slot: Slot) =>
    Effect.flatMap(SubscriptionRef.get(slot.status), (status) =>
      transition(slot, "lifetime", "starting", "restart", `restart ${status.restarts + 1}`, { restarts: status.restarts + 1 }))

  /**
   * The member's whole supervised life, from a start the caller already published until failed or
   * interrupted by a stop. Runs in the fiber the Supervisor keeps for the member.
   */
  const lifetime = (slot: Slot): Effect.Effect<void> =>
    Effect.gen(function*() {
      // Works around an effect 3.22 bug: after a finalizer added with `Effect.addFinalizer` runs,
      // the fiber's FiberRefs are replayed from the time it was added, and when the interrupted-cause
      // ref was not yet set on this fiber then, the replay clears an interrupt that arrived during the
      // finalizer. A `stop` landing while a crashed run's scope closes was lost that way and hung
      // forever. With the ref set first, the replay has nothing of it to restore.
      yield* FiberRef.set(FiberRef.interruptedCause, Cause.empty)
      const policy = restartSchedule(slot.member.restart_policy).pipe(
        Schedule.intersect(Schedule.identity<RunEnd>()),
        Schedule.tapOutput(([step, end]) => announce(slot, step, end))
      )
      const first = yield* serve(slot)
      // The first end is fed to the schedule; every later run is preceded by its restart fact.
      yield* Effect.scheduleFrom(Effect.zipRight(restartFact(slot), serve(slot)), first, policy)
    })

  return { transition, lifetime }
}
