/**
 * A supervised provider (a provider entry with a `launch` block) as a member of the Supervisor: what
 * differs from a middleware module is said here (how it is launched and probed, what its status row
 * shows); its lifetime, restarts, stop and facts are the Supervisor's, the same as a module's.
 */
import { Clock, Duration, Effect, Option } from "effect"
import type { ModuleStatus } from "../contract/ModuleStatus.js"
import type { MemberSpec } from "../supervisor/Member.js"
import { isServing, isSettled } from "../contract/LifecycleFact.js"
import type { Supervisor } from "../supervisor/Supervisor.js"
import { announcesPort, type ProviderEntry } from "./ProviderConfig.js"

/** The component name of a supervised provider in status rows and facts. */
export const providerComponent = (name: string): string => `provider.${name}`

/** A supervised provider's state, as `provider check` and the registry show it. */
export interface ProviderProcessStatus {
  readonly name: string
  readonly state: ModuleStatus["state"]
  readonly pid?: number
  /** `http://127.0.0.1:<port>` while serving. */
  readonly origin?: string
  readonly restarts: number
  readonly lastError?: string
}

/** The provider's view of its member status. */
export const providerStatus = (status: ModuleStatus, origin: string | undefined): ProviderProcessStatus => ({
  name: status.executor_id,
  state: status.state,
  restarts: status.restarts,
  ...(status.pid === undefined ? {} : { pid: status.pid }),
  ...(origin === undefined ? {} : { origin }),
  ...(status.last_error === undefined ? {} : { lastError: status.last_error })
})

/** The member the Supervisor runs for `entry`; undefined when the entry has no `launch` block. */
export const providerMember = (entry: ProviderEntry): MemberSpec | undefined => {
  const launch = entry.launch
  if (launch === undefined) return undefined
  const invokeUrl = new URL(entry.url)
  const healthUrl = new URL(entry.health_url ?? entry.url)
  return {
    id: entry.name,
    kind: "provider",
    module_id: entry.name,
    component_id: providerComponent(entry.name),
    hooks: [],
    grants: [],
    restart_policy: entry.restart_policy,
    health: entry.health,
    requestTimeoutMs: entry.timeout,
    graceMs: entry.stop.grace_ms,
    startDetail: `spawning ${launch.executable} ${launch.args.join(" ")}`.trimEnd(),
    source: {
      _tag: "Provider",
      launch: {
        name: entry.name,
        executable: launch.executable,
        args: launch.args,
        cwd: launch.cwd,
        env: launch.env,
        listenHost: invokeUrl.hostname.replace(/^\[|\]$/g, ""),
        listenPort: invokeUrl.port === "" ? "80" : invokeUrl.port,
        fixedOrigin: invokeUrl.origin,
        announces: announcesPort(entry),
        healthPath: healthUrl.pathname + healthUrl.search,
        startupTimeoutMs: entry.startup_timeout
      }
    }
  }
}

/** The handle the registry keeps of a supervised provider. */
export interface SupervisedProvider {
  readonly status: Effect.Effect<ProviderProcessStatus>
  /**
   * The origin to call: at once while serving; otherwise waits up to `withinMs` for a (re)start,
   * and gives the state it is stuck in when that does not happen.
   */
  readonly origin: (withinMs: number) => Effect.Effect<string, ProviderProcessStatus>
  /** Waits until the provider serves or has given up (failed, stopped). */
  readonly settled: Effect.Effect<ProviderProcessStatus>
}

/** Registers `entry`'s member with the supervisor (for the caller's scope) and returns its handle. */
export const supervise = Effect.fn("ProviderProcess.supervise")(function*(supervisor: Supervisor["Type"], member: MemberSpec) {
  yield* supervisor.register(member)
  const name = member.id
  // The member exists until the caller's scope closes, so a lookup cannot miss while the handle is used.
  const current = Effect.orDie(Effect.zip(supervisor.status(name), supervisor.run(name)))
  const view = Effect.map(current, ([status, run]) =>
    providerStatus(status, Option.match(run, { onNone: () => undefined, onSome: (r) => r.baseUrl })))
  const serving = (s: ProviderProcessStatus) => isServing(s.state) && s.origin !== undefined
  // The status turns ready right after the run is recorded, so a serving status has its origin.
  const awaitView = (predicate: (status: ModuleStatus) => boolean) =>
    Effect.zipRight(Effect.orDie(supervisor.awaitStatus(name, predicate)), view)
  // Waits for the next status change up to `deadline` and looks again: a serving status without a
  // run is a process that just ended, about to turn `starting`.
  const originBy = (deadline: number): Effect.Effect<string, ProviderProcessStatus> =>
    Effect.flatMap(Effect.zip(view, Clock.currentTimeMillis), ([now, at]): Effect.Effect<string, ProviderProcessStatus> => {
      if (serving(now) && now.origin !== undefined) return Effect.succeed(now.origin)
      if (now.state === "failed" || now.state === "stopped" || at >= deadline) return Effect.fail(now)
      const changed = (s: ModuleStatus) => s.state !== now.state || s.restarts !== now.restarts || (s.pid ?? 0) !== (now.pid ?? 0)
      return Effect.orDie(supervisor.awaitStatus(name, changed)).pipe(
        Effect.timeoutTo({ duration: Duration.millis(deadline - at), onTimeout: () => false, onSuccess: () => true }),
        Effect.flatMap((moved) => (moved ? originBy(deadline) : Effect.flatMap(view, Effect.fail)))
      )
    })
  return {
    status: view,
    origin: (withinMs: number) => Effect.flatMap(Clock.currentTimeMillis, (at) => originBy(at + Math.max(0, withinMs))),
    settled: awaitView((s) => isSettled(s.state))
  } satisfies SupervisedProvider
})
