/**
 * The supervisor: one lifetime fiber per member (a middleware module or a supervised provider), each
 * owning its process's scope (Lifetime.ts). Building it forks every configured module's lifetime and
 * returns at once; `awaitSettled` waits for them. Providers join at run time through `register`.
 * Operators list, inspect, start, stop and restart members here; every transition is a fact.
 */
import type { HttpClient } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { Context, Effect, FiberMap, Layer, Option, Ref, type Scope, Stream, SubscriptionRef } from "effect"
import { type FactCause, isSettled, isSettledDown } from "../contract/LifecycleFact.js"
import type { ModuleEntry } from "../contract/ModuleEntry.js"
import { ModuleStatus } from "../contract/ModuleStatus.js"
import * as Launcher from "./Launcher.js"
import { makeLifetime, makeSlot, type Slot } from "./Lifetime.js"
import { LifecycleLog } from "./LifecycleLog.js"
import { type MemberSpec, moduleMember, type Run } from "./Member.js"
import type { HostIdentity, RunningModule } from "./ModuleLaunch.js"
import { withUsage, withUsages } from "./ProcessUsage.js"
import { UnknownModule } from "./SupervisorError.js"

/** What the supervisor is asked to run. */
export class SupervisorSettings extends Context.Tag("orbiplex/SupervisorSettings")<SupervisorSettings, {
  readonly host: HostIdentity
  readonly modules: ReadonlyArray<ModuleEntry>
}>() {}

/** The supervisor service. */
export class Supervisor extends Context.Tag("orbiplex/Supervisor")<Supervisor, {
  /** Every member's status: modules in config order, then registered providers. */
  readonly list: Effect.Effect<ReadonlyArray<ModuleStatus>>
  /** One member's status, with its process's CPU and memory read from `/proc` (for operators). */
  readonly inspect: (executorId: string) => Effect.Effect<ModuleStatus, UnknownModule>
  /** One member's status as the supervisor keeps it, without reading `/proc` (for the call path). */
  readonly status: (executorId: string) => Effect.Effect<ModuleStatus, UnknownModule>
  /** Starts a member that is stopped or failed (a fresh restart budget); no-op when it runs. */
  readonly start: (executorId: string) => Effect.Effect<void, UnknownModule>
  /** Stops a member: stop routing, SIGTERM, grace, SIGKILL. */
  readonly stop: (executorId: string) => Effect.Effect<void, UnknownModule>
  /** Stops and starts a member with a fresh restart budget. */
  readonly restart: (executorId: string) => Effect.Effect<void, UnknownModule>
  /** The running module instance, if the member is a module serving now. */
  readonly current: (executorId: string) => Effect.Effect<Option.Option<RunningModule>, UnknownModule>
  /** The current run of any member (where it listens), if it is serving now. */
  readonly run: (executorId: string) => Effect.Effect<Option.Option<Run>, UnknownModule>
  /** Status changes of one member, starting with the current status. */
  readonly changes: (executorId: string) => Effect.Effect<Stream.Stream<ModuleStatus>, UnknownModule>
  /** Waits until a member's status satisfies `predicate`, and returns that status. */
  readonly awaitStatus: (
    executorId: string,
    predicate: (status: ModuleStatus) => boolean
  ) => Effect.Effect<ModuleStatus, UnknownModule>
  /** Waits until every member is ready, degraded, failed or stopped; returns their statuses. */
  readonly awaitSettled: Effect.Effect<ReadonlyArray<ModuleStatus>>
  /**
   * Adds `member` and starts it; it is stopped and removed when the caller's scope closes. Dies
   * when the id is taken (the config decoders keep ids unique).
   */
  readonly register: (member: MemberSpec) => Effect.Effect<void, never, Scope.Scope>
  /** The module executor ids, in config order (a reload changes them). */
  readonly ids: ReadonlyArray<string>
  /** The supervised module entries, in config order (a reload changes them). */
  readonly entries: ReadonlyArray<ModuleEntry>
  /** The supervised module entry with this id, if any: a map lookup, for the call path. */
  readonly entryOf: (executorId: string) => ModuleEntry | undefined
  /** Adds a module at run time and starts it; its start fact carries `cause`. Dies when the id is taken. */
  readonly addModule: (entry: ModuleEntry, cause: FactCause, detail: string) => Effect.Effect<void>
  /** Stops a member (its stop fact carries `cause`) and forgets it. */
  readonly remove: (executorId: string, cause: FactCause, detail: string) => Effect.Effect<void, UnknownModule>
  /** Stops a module and starts it again from `entry` (same id); the start fact carries `cause`. */
  readonly replaceModule: (entry: ModuleEntry, cause: FactCause, detail: string) => Effect.Effect<void, UnknownModule>
}>() {}

/** Builds the supervisor and forks every configured module's lifetime; stops them in reverse on close. */
export const make = Effect.gen(function*() {
  const settings = yield* SupervisorSettings
  const log = yield* LifecycleLog
  const launcher = yield* Launcher.Launcher
  const fibers = yield* FiberMap.make<string>()
  const { lifetime, transition } = makeLifetime(log, launcher)
  const slots = new Map<string, Slot & { readonly ops: Effect.Semaphore }>()
  // Member ids in the order `list` shows them.
  const order = yield* Ref.make<ReadonlyArray<string>>([])

  const add = (member: MemberSpec) =>
    Effect.gen(function*() {
      if (slots.has(member.id)) {
        return yield* Effect.dieMessage(`two supervised members share the id "${member.id}": rename one in the config`)
      }
      const slot = { ...(yield* makeSlot(member)), ops: yield* Effect.makeSemaphore(1) }
      slots.set(member.id, slot)
      yield* Ref.update(order, (ids) => [...ids, member.id])
    })

  // A member is addressed by its id; its module_id or component_id is accepted too when one member has it.
  const slotOf = (executorId: string) =>
    Effect.flatMap(Ref.get(order), (known) => {
      const slot = slots.get(executorId) ?? aliasOf(executorId)
      return slot === undefined ? Effect.fail(new UnknownModule({ executor_id: executorId, known })) : Effect.succeed(slot)
    })
  const aliasOf = (name: string) => {
    const matches = [...slots.values()].filter((slot) => slot.member.module_id === name || slot.member.component_id === name)
    return matches.length === 1 ? matches[0] : undefined
  }

  // Operator actions on one member take its `ops` lock, so a restart is a stop then a start with
  // nothing in between, and a start never races a stop.
  const startSlot = (slot: Slot, asRestart = false, cause: FactCause = "start", detail = slot.member.startDetail) =>
    Effect.gen(function*() {
      if (yield* FiberMap.has(fibers, slot.member.id)) return
      // An operator's restart counts like the lifetime's own, so `restarts` tells every restart.
      const restarts = asRestart ? { restarts: (yield* SubscriptionRef.get(slot.status)).restarts + 1 } : {}
      yield* transition(slot, "operator", "starting", cause, detail, restarts)
      yield* FiberMap.run(fibers, slot.member.id, lifetime(slot))
    })

  const stopSlot = (slot: Slot, cause: FactCause = "stop", why = "") =>
    Effect.gen(function*() {
      if (!(yield* FiberMap.has(fibers, slot.member.id))) return
      const before = yield* SubscriptionRef.get(slot.status)
      if (isSettledDown(before.state)) {
        // A lifetime that gave up is about to end by itself; nothing runs that needs a stop fact.
        return yield* FiberMap.remove(fibers, slot.member.id)
      }
      yield* transition(slot, "operator", "stopping", cause, `${why}${before.pid === undefined ? "" : `SIGTERM to pid ${before.pid}`}`)
      const started = yield* Effect.clockWith((clock) => clock.currentTimeMillis)
      yield* FiberMap.remove(fibers, slot.member.id)
      const tookMs = (yield* Effect.clockWith((clock) => clock.currentTimeMillis)) - started
      yield* transition(slot, "operator", "stopped", cause, `in ${tookMs} ms`)
    })

  const withSlot = <A>(executorId: string, action: (slot: Slot & { readonly ops: Effect.Semaphore }) => Effect.Effect<A>) =>
    Effect.flatMap(slotOf(executorId), (slot) => slot.ops.withPermits(1)(action(slot)))

  const start = (executorId: string) => withSlot(executorId, startSlot)
  const stop = (executorId: string) => withSlot(executorId, stopSlot)
  const restart = (executorId: string) => withSlot(executorId, (slot) => Effect.zipRight(stopSlot(slot), startSlot(slot, true)))

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

  const list = Effect.flatMap(Ref.get(order), (ids) =>
    Effect.forEach(ids, (id) => Effect.flatMap(slotOf(id), (slot) => SubscriptionRef.get(slot.status)).pipe(Effect.orDie)).pipe(
      Effect.flatMap(withUsages)
    ))

  const runOf = (executorId: string) => Effect.flatMap(slotOf(executorId), (slot) => Ref.get(slot.run))

  const register = (member: MemberSpec) =>
    Effect.gen(function*() {
      yield* add(member)
      yield* Effect.addFinalizer(() =>
        Effect.gen(function*() {
          yield* Effect.ignore(stop(member.id))
          slots.delete(member.id)
          yield* Ref.update(order, (ids) => ids.filter((id) => id !== member.id))
        })
      )
      yield* Effect.orDie(start(member.id))
    })

  for (const entry of settings.modules) yield* add(moduleMember(entry))
  const ids = settings.modules.map((entry) => entry.id)
  // The module entries now supervised; a reload adds, removes and replaces them. The map is the
  // same entries by id: every call looks its module up, which must not cost a scan of hundreds.
  let entries: ReadonlyArray<ModuleEntry> = settings.modules
  const entriesById = new Map(entries.map((entry) => [entry.id, entry]))

  const addModule = (entry: ModuleEntry, cause: FactCause, detail: string) =>
    Effect.gen(function*() {
      yield* add(moduleMember(entry))
      entries = [...entries, entry]
      entriesById.set(entry.id, entry)
      const slot = yield* Effect.orDie(slotOf(entry.id))
      yield* slot.ops.withPermits(1)(startSlot(slot, false, cause, `${detail}; ${slot.member.startDetail}`))
    })

  const remove = (executorId: string, cause: FactCause, detail: string) =>
    withSlot(executorId, (slot) =>
      Effect.gen(function*() {
        yield* stopSlot(slot, cause, `${detail}; `)
        slots.delete(slot.member.id)
        entries = entries.filter((entry) => entry.id !== slot.member.id)
        entriesById.delete(slot.member.id)
        yield* Ref.update(order, (known) => known.filter((id) => id !== slot.member.id))
      }))

  const replaceModule = (entry: ModuleEntry, cause: FactCause, detail: string) =>
    withSlot(entry.id, (slot) =>
      Effect.gen(function*() {
        yield* stopSlot(slot, cause, `${detail}; `)
        const member = moduleMember(entry)
        // The history (restarts, last exit) stays; the identity the entry declares is the new one.
        const before = yield* SubscriptionRef.get(slot.status)
        const fresh = { ...(yield* makeSlot(member)), ops: slot.ops }
        yield* SubscriptionRef.set(fresh.status, new ModuleStatus({
          ...before,
          module_id: member.module_id,
          component_id: member.component_id,
          hooks: member.hooks,
          grants: member.grants
        }))
        slots.set(entry.id, fresh)
        entries = entries.map((known) => known.id === entry.id ? entry : known)
        entriesById.set(entry.id, entry)
        yield* startSlot(fresh, false, cause, `${detail}; ${member.startDetail}`)
      }))
  // Stop in reverse order (providers registered later go first) before the FiberMap interrupts the rest.
  yield* Effect.addFinalizer(() =>
    Effect.flatMap(Ref.get(order), (all) => Effect.forEach([...all].reverse(), (id) => Effect.ignore(stop(id)), { discard: true }))
  )
  // Forked, not awaited: the operator API answers while modules start (awaitSettled waits for them).
  yield* Effect.forEach(ids, (id) => Effect.orDie(start(id)), { discard: true })

  return Supervisor.of({
    get ids() {
      return entries.map((entry) => entry.id)
    },
    get entries() {
      return entries
    },
    entryOf: (executorId) => entriesById.get(executorId),
    addModule,
    remove,
    replaceModule,
    list,
    inspect: (executorId) => Effect.flatMap(slotOf(executorId), (slot) => Effect.flatMap(SubscriptionRef.get(slot.status), withUsage)),
    status: (executorId) => Effect.flatMap(slotOf(executorId), (slot) => SubscriptionRef.get(slot.status)),
    start,
    stop,
    restart,
    current: (executorId) => Effect.map(runOf(executorId), Option.flatMap((run) => run.module)),
    run: runOf,
    changes: (executorId) => Effect.map(slotOf(executorId), (slot) => slot.status.changes),
    awaitStatus,
    awaitSettled: Effect.flatMap(Ref.get(order), (all) =>
      Effect.forEach(all, (id) => Effect.orDie(awaitStatus(id, (status) => isSettled(status.state))), { concurrency: "unbounded" })),
    register
  })
})

/** The supervisor over a caller-provided launcher (tests bring a scripted one). */
export const layerWithLauncher: Layer.Layer<Supervisor, never, SupervisorSettings | LifecycleLog | Launcher.Launcher> = Layer
  .scoped(Supervisor, make)

/** The supervisor with the real launcher. */
export const layer: Layer.Layer<Supervisor, never, SupervisorSettings | LifecycleLog | HttpClient.HttpClient> = layerWithLauncher.pipe(
  Layer.provide(Layer.unwrapEffect(Effect.map(SupervisorSettings, (settings) => Launcher.layer(settings.host))))
)

const noModules = Layer.succeed(SupervisorSettings, { host: { nodeId: "", hostVersion: "" }, modules: [] })

/** A supervisor with no modules over the undici client, for programs that run supervised providers alone. */
export const layerStandalone: Layer.Layer<Supervisor, never, LifecycleLog> = layer.pipe(
  Layer.provide(noModules),
  Layer.provide(NodeHttpClient.layerUndici)
)

/**
 * A supervisor with no members and no way to launch any (no HTTP pool either), for programs whose
 * providers are all unsupervised: cheap to build and tear down.
 */
export const layerEmpty: Layer.Layer<Supervisor, never, LifecycleLog> = layerWithLauncher.pipe(
  Layer.provide(noModules),
  Layer.provide(Layer.succeed(Launcher.Launcher, Launcher.Launcher.of({
    launch: (member) => Effect.dieMessage(`${member.component_id}: this supervisor was built without a launcher (layerEmpty)`)
  })))
)

/** Waits for every member of the supervisor in context to settle (see `awaitSettled`). */
export const awaitSettled: Effect.Effect<ReadonlyArray<ModuleStatus>, never, Supervisor> = Effect.flatMap(
  Supervisor,
  (supervisor) => supervisor.awaitSettled
)
