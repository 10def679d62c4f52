/**
 * The seam between the lifetime and a process: the lifetime asks the Launcher for a run of a member
 * and owns the scope it lives in. The real launcher spawns (ModuleLaunch, ProviderLaunch); a
 * scripted one (testing/ScriptedLauncher) plays runs under TestClock.
 */
import { HttpClient } from "@effect/platform"
import { Context, Effect, Layer, type Scope } from "effect"
import type { HostIdentity } from "./ModuleLaunch.js"
import { launchModule, moduleRun } from "./ModuleLaunch.js"
import type { MemberSpec, Run } from "./Member.js"
import { launchProvider } from "./ProviderLaunch.js"
import type { ModuleStartFailed } from "./SupervisorError.js"

/** Launches members. */
export class Launcher extends Context.Tag("orbiplex/Launcher")<Launcher, {
  /** Runs `member` in the caller's scope (closing it stops the process) and returns once it is ready. */
  readonly launch: (member: MemberSpec) => Effect.Effect<Run, ModuleStartFailed, Scope.Scope>
}>() {}

/** The real launcher over `client`, telling modules who `host` is. */
export const make = (host: HostIdentity) =>
  Effect.map(HttpClient.HttpClient, (client) =>
    Launcher.of({
      launch: (member) => {
        const source = member.source
        return source._tag === "Module"
          ? Effect.map(launchModule(source.entry, host).pipe(Effect.provideService(HttpClient.HttpClient, client)), (running) =>
            moduleRun(running, client))
          : launchProvider(source.launch, member.graceMs).pipe(Effect.provideService(HttpClient.HttpClient, client))
      }
    }))

/** The real launcher as a layer. */
export const layer = (host: HostIdentity): Layer.Layer<Launcher, never, HttpClient.HttpClient> => Layer.effect(Launcher, make(host))
