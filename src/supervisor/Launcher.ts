/**
 * The seam between the lifetime and a process: the lifetime asks the Launcher for a run of a member
 * and owns the scope it lives in. The real launcher spawns (ModuleLaunch, ProviderLaunch); a
 * scripted one (testing/ScriptedLauncher) plays runs under TestClock.
 */
import { HttpClient } from "@effect/platform"
import { Context, Effect, Layer, Option, type Scope } from "effect"
import type { HostIdentity } from "./ModuleLaunch.js"
import { launchModule, moduleRun } from "./ModuleLaunch.js"
import type { Listening, MemberSpec, Run } from "./Member.js"
import { launchProvider } from "./ProviderLaunch.js"
import { ProcessGroups } from "./ProcessGroups.js"
import type { ModuleStartFailed } from "./SupervisorError.js"

/** Launches members. */
export class Launcher extends Context.Tag("orbiplex/Launcher")<Launcher, {
  /**
   * Runs `member` in the caller's scope (closing it stops the process) and returns once it is ready;
   * `listening` is told the process and its port as soon as it announces them (CONTRACTS §1.4).
   */
  readonly launch: (member: MemberSpec, listening: Listening) => Effect.Effect<Run, ModuleStartFailed, Scope.Scope>
}>() {}

/**
 * The real launcher over `client`, telling modules who `host` is. It records each spawned process
 * group when the node keeps a record of them (`ProcessGroups`, so a crashed run's leftovers are
 * reaped at the next start).
 */
export const make = (host: HostIdentity) =>
  Effect.gen(function*() {
    const client = yield* HttpClient.HttpClient
    const groups = yield* Effect.serviceOption(ProcessGroups)
    const withServices = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
      effect.pipe(
        Effect.provideService(HttpClient.HttpClient, client),
        (provided) => Option.match(groups, { onNone: () => provided, onSome: (record) => Effect.provideService(provided, ProcessGroups, record) })
      )
    return Launcher.of({
      launch: (member, listening) => {
        const source = member.source
        return source._tag === "Module"
          ? Effect.map(withServices(launchModule(source.entry, host, listening)), (running) => moduleRun(running, client))
          : withServices(launchProvider(source.launch, member.graceMs, listening))
      }
    })
  })

/** The real launcher as a layer. */
export const layer = (host: HostIdentity): Layer.Layer<Launcher, never, HttpClient.HttpClient> => Layer.effect(Launcher, make(host))
