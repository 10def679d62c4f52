/**
 * A Launcher that plays scripted runs instead of spawning, for tests under TestClock: each run is
 * ready after N ms (or fails to start), may crash at a set time, may fail health checks from the
 * n-th on, and stops on SIGTERM after some time (or ignores it until the grace is over and it is
 * killed). It records every simulated process, so tests can say what was running when.
 */
import { Clock, Deferred, Effect, Option, Ref, type Scope } from "effect"
import type { ExitInfo } from "../ChildProcess.js"
import { Launcher } from "../Launcher.js"
import type { HealthReport, MemberSpec, Run } from "../Member.js"
import { ModuleStartFailed } from "../SupervisorError.js"

/** One scripted run. */
export interface RunScript {
  /** From launch to ready (or to the start failure). */
  readonly readyAfterMs: number
  /** The start fails after `readyAfterMs`; `permanent` as a preflight failure would be. */
  readonly startFails?: { readonly permanent: boolean }
  /** After ready, the process exits with code 1 at this time. */
  readonly crashAfterMs?: number
  /** Health checks from this one on (0-based) fail. */
  readonly healthFailsFrom?: number
  /** Health checks answer "degraded" from this one on (when they do not fail). */
  readonly degradedFrom?: number
  /** How long SIGTERM takes to end it; above the grace, it is killed at the grace. */
  readonly stopMs: number
  readonly ignoresSigterm: boolean
}

/** A member's runs: the i-th launch plays `runs[i]`, the last one repeats. */
export type MemberScript = ReadonlyArray<RunScript>

/** One simulated process: when it was spawned and when it ended (if it did). */
export interface ScriptedProcess {
  readonly memberId: string
  readonly pid: number
  readonly spawnedAt: number
  readonly endedAt: Option.Option<number>
  readonly killed: boolean
}

/** The scripted launcher and what it saw. */
export interface Scripted {
  readonly launcher: Launcher["Type"]
  /** Every simulated process, in spawn order. */
  readonly processes: Effect.Effect<ReadonlyArray<ScriptedProcess>>
  /** How many simulated processes are running now. */
  readonly running: Effect.Effect<number>
}

/** A scripted launcher for `scripts` (member id → runs). */
export const makeScripted = (scripts: Readonly<Record<string, MemberScript>>): Effect.Effect<Scripted> =>
  Effect.gen(function*() {
    const processes = yield* Ref.make<ReadonlyArray<ScriptedProcess>>([])
    const launches = yield* Ref.make<Readonly<Record<string, number>>>({})
    let nextPid = 1000

    const end = (pid: number, killed: boolean) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Ref.update(processes, (all) =>
          all.map((p) => (p.pid === pid && Option.isNone(p.endedAt) ? { ...p, endedAt: Option.some(now), killed } : p))))

    const launch = (member: MemberSpec): Effect.Effect<Run, ModuleStartFailed, Scope.Scope> =>
      Effect.gen(function*() {
        const runs = scripts[member.id] ?? []
        const index = yield* Ref.modify(launches, (all) => [all[member.id] ?? 0, { ...all, [member.id]: (all[member.id] ?? 0) + 1 }])
        const script = runs[Math.min(index, runs.length - 1)]
        if (script === undefined) return yield* Effect.dieMessage(`no script for ${member.id}`)
        const pid = nextPid++
        const exited = yield* Deferred.make<ExitInfo>()
        // Spawned: from here the process runs until it crashes or the scope stops it.
        yield* Effect.acquireRelease(
          Effect.flatMap(Clock.currentTimeMillis, (spawnedAt) =>
            Ref.update(processes, (all) => [...all, { memberId: member.id, pid, spawnedAt, endedAt: Option.none(), killed: false }])),
          () =>
            Effect.gen(function*() {
              if (yield* Deferred.isDone(exited)) return
              const grace = member.graceMs
              const killed = script.ignoresSigterm || script.stopMs > grace
              yield* Effect.sleep(killed ? grace : script.stopMs)
              yield* end(pid, killed)
              yield* Deferred.succeed(exited, killed ? { code: null, signal: "SIGKILL" } : { code: 0, signal: null })
            })
        )
        yield* Effect.sleep(script.readyAfterMs)
        if (script.startFails !== undefined) {
          return yield* new ModuleStartFailed({
            executor_id: member.id,
            component_id: member.component_id,
            step: "ready",
            detail: "scripted start failure",
            hint: "none",
            permanent: script.startFails.permanent
          })
        }
        if (script.crashAfterMs !== undefined) {
          const crashAfter = script.crashAfterMs
          yield* Effect.forkScoped(
            Effect.gen(function*() {
              yield* Effect.sleep(crashAfter)
              yield* end(pid, false)
              yield* Deferred.succeed(exited, { code: 1, signal: null })
            })
          )
        }
        const checks = yield* Ref.make(0)
        const probe = Effect.flatMap(Ref.getAndUpdate(checks, (n) => n + 1), (n): Effect.Effect<HealthReport, string> =>
          script.healthFailsFrom !== undefined && n >= script.healthFailsFrom
            ? Effect.fail("scripted health failure")
            : Effect.succeed(script.degradedFrom !== undefined && n >= script.degradedFrom ? "degraded" : "ok"))
        return {
          pid,
          port: 40_000 + (pid % 20_000),
          baseUrl: `http://127.0.0.1:${40_000 + (pid % 20_000)}`,
          exit: Deferred.await(exited),
          probe,
          readyDetail: `scripted pid=${pid}`,
          readyFields: {},
          module: Option.none()
        } satisfies Run
      })

    return {
      launcher: Launcher.of({ launch }),
      processes: Ref.get(processes),
      running: Effect.map(Ref.get(processes), (all) => all.filter((p) => Option.isNone(p.endedAt)).length)
    }
  })
