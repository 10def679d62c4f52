/**
 * What the supervisor runs: a member is a middleware module or a supervised provider, described by
 * what differs between them (how it is launched and probed, what its status row shows); everything
 * else (restart policy, health, stop) is one lifetime for both (Lifetime.ts).
 */
import type { Effect, Option } from "effect"
import type { HealthSettings, ModuleEntry, RestartPolicy } from "../contract/ModuleEntry.js"
import type { ModuleKind } from "../contract/ModuleStatus.js"
import type { Child, ExitInfo } from "./ChildProcess.js"
import type { ModuleReport } from "../contract/MiddlewareInit.js"

/** How a supervised provider is launched (CONTRACTS §3.1), in the supervisor's terms. */
export interface ProviderLaunchSpec {
  readonly name: string
  readonly executable: string
  readonly args: ReadonlyArray<string>
  readonly cwd: string
  readonly env: Readonly<Record<string, string>>
  /** Host and port the provider is told to listen on (port "0": it picks one and announces it). */
  readonly listenHost: string
  readonly listenPort: string
  /** The origin to call when the port is fixed (no announcement is awaited). */
  readonly fixedOrigin: string
  readonly announces: boolean
  /** Path and query of its health_url: polled for readiness, then for health. */
  readonly healthPath: string
  readonly startupTimeoutMs: number
}

/** The kind-specific part of a member, which only the launcher reads. */
export type MemberSource =
  | { readonly _tag: "Module"; readonly entry: ModuleEntry }
  | { readonly _tag: "Provider"; readonly launch: ProviderLaunchSpec }

/** One supervised member. */
export interface MemberSpec {
  /** Unique in the supervisor: the executor id of a module, the name of a provider. */
  readonly id: string
  readonly kind: ModuleKind
  readonly module_id: string
  readonly component_id: string
  readonly hooks: ReadonlyArray<string>
  readonly grants: ReadonlyArray<string>
  readonly restart_policy: RestartPolicy
  readonly health: HealthSettings
  /** Bounds every health check of this member. */
  readonly requestTimeoutMs: number
  /** SIGTERM to SIGKILL, for the stop fact. */
  readonly graceMs: number
  /** What a start fact says is being spawned. */
  readonly startDetail: string
  readonly source: MemberSource
}

/** What one health check saw. */
export type HealthReport = "ok" | "degraded"

/** The fields a run adds to the status row once ready. */
export interface ReadyFields {
  readonly module_name?: string
  readonly module_version?: string
  readonly description?: string
  readonly capabilities?: ReadonlyArray<string>
}

/** A launched member that reached ready: its process, where it listens, and how to probe it. */
export interface Run {
  readonly pid: number
  readonly port: number
  readonly baseUrl: string
  /** Waits for the process to end. */
  readonly exit: Effect.Effect<ExitInfo>
  /** One health check, unbounded in time (the lifetime bounds it by the member's request timeout). */
  readonly probe: Effect.Effect<HealthReport, string>
  /** The detail of the ready fact. */
  readonly readyDetail: string
  readonly readyFields: ReadyFields
  /** The middleware instance, for invocations; none for providers. */
  readonly module: Option.Option<RunningModule>
}

/** A middleware module as a member. */
export const moduleMember = (entry: ModuleEntry): MemberSpec => ({
  id: entry.id,
  kind: "module",
  module_id: entry.module_id,
  component_id: entry.component_id,
  hooks: entry.hooks,
  grants: entry.grants,
  restart_policy: entry.restart_policy,
  health: entry.health,
  requestTimeoutMs: entry.http.request_timeout_ms,
  graceMs: entry.stop.grace_ms,
  startDetail: `spawning ${entry.launch.executable} ${entry.launch.args.join(" ")}`.trimEnd(),
  source: { _tag: "Module", entry }
})

/** Told the pid, host and port of a member that announced it listens, before it is ready. */
export type Listening = (pid: number, host: string, port: number) => Effect.Effect<void>

/** A module that reached `ready`: where it listens, how to authenticate, what it reported. */
export interface RunningModule {
  readonly entry: ModuleEntry
  readonly child: Child
  readonly pid: number
  readonly port: number
  readonly baseUrl: string
  readonly authorization: string
  readonly report: ModuleReport
  /** Milliseconds from spawn to ready. */
  readonly startMillis: number
}
