/**
 * The launch graph of a supervised provider (CONTRACTS §3.1): preflight → spawn → announcement (port
 * 0 only) → its health_url answering 200. A provider speaks no middleware contract (no token, no
 * init, no report), so this is shorter than ModuleLaunch; the lifetime around it is the same.
 */
import { HttpClient } from "@effect/platform"
import { Clock, Effect, Option } from "effect"
import { Launch } from "../contract/ModuleEntry.js"
import { describeExit, spawnChild } from "./ChildProcess.js"
import { announcedOrigin, watchChildOutput } from "./ChildOutput.js"
import type { Listening, ProviderLaunchSpec, Run } from "./Member.js"
import { checkPortFree, checkPortOwned, fixedPortOf, ownedProbe } from "./PortOwner.js"
import { preflight } from "./Preflight.js"
import { awaitReady, httpHealth, httpReady } from "./Probe.js"
import { ProcessGroups } from "./ProcessGroups.js"
import { ModuleStartFailed, type StartStep } from "./SupervisorError.js"

/** Launches the provider inside the caller's scope and returns once its health_url answers 200. */
export const launchProvider = Effect.fn("ProviderLaunch.launch")(function*(spec: ProviderLaunchSpec, graceMs: number, listening: Listening = () => Effect.void) {
  const client = yield* HttpClient.HttpClient
  const component = `provider.${spec.name}`
  const fail = (step: StartStep, detail: string, hint: string, permanent = false) =>
    new ModuleStartFailed({ executor_id: spec.name, component_id: component, step, detail, hint, permanent })

  const problems = yield* preflight(new Launch({ executable: spec.executable, args: spec.args, cwd: spec.cwd, env: spec.env }))
  if (problems.length > 0) {
    return yield* fail("preflight", problems.map((problem) => `${problem.field}: ${problem.detail}`).join("; "), problems[0]!.hint, true)
  }
  // A provider on a fixed port must find it free, and must be the one answering on it once ready:
  // a leftover of a crashed run would otherwise answer for the new process.
  const fixedPort = spec.announces ? 0 : fixedPortOf(spec.fixedOrigin)
  if (fixedPort > 0) yield* Effect.mapError(checkPortFree(spec.name, fixedPort), (held) => fail("spawn", held.message, "a leftover of a crashed run is reaped at start; anything else must be stopped by hand"))
  const groups = Option.map(yield* Effect.serviceOption(ProcessGroups), (record) => record.hookFor(component))
  const spawnedAt = yield* Clock.currentTimeMillis
  const child = yield* spawnChild({
    executable: spec.executable,
    args: spec.args,
    cwd: spec.cwd,
    env: {
      ...spec.env,
      ORBIPLEX_PROVIDER_NAME: spec.name,
      ORBIPLEX_LISTEN_HOST: spec.listenHost,
      ORBIPLEX_LISTEN_PORT: spec.listenPort,
      PYTHONUNBUFFERED: "1"
    },
    graceMs
  }, Option.getOrUndefined(groups)).pipe(Effect.mapError((error) => fail("spawn", `cannot start ${error.executable}: ${error.reason}`, "check launch.executable and launch.cwd", true)))
  const awaitAnnouncement = yield* watchChildOutput(child, component)

  // Every wait below also ends the moment the child exits: a dead provider is reported at once.
  const orExit = <A>(step: StartStep, effect: Effect.Effect<A, ModuleStartFailed>) =>
    Effect.raceFirst(
      effect,
      Effect.flatMap(child.exit, (exit) => Effect.fail(fail(step, `the process ${describeExit(exit)} before it was ready`, "read its stderr lines above")))
    )
  const timeLeft = Effect.map(Clock.currentTimeMillis, (now) => Math.max(0, spawnedAt + spec.startupTimeoutMs - now))

  const origin = spec.announces
    ? yield* orExit(
      "announce",
      awaitAnnouncement.pipe(
        Effect.timeoutFail({
          duration: spec.startupTimeoutMs,
          onTimeout: () =>
            fail("announce", `no {"event":"listening",...} line on stdout within ${spec.startupTimeoutMs} ms`, "a provider on port 0 must announce its port")
        }),
        Effect.tap((announcement) => listening(child.pid, announcement.host, announcement.port)),
        Effect.map(announcedOrigin)
      )
    )
    : spec.fixedOrigin
  yield* orExit(
    "ready",
    awaitReady(httpReady(client, origin + spec.healthPath), yield* timeLeft, "no answer yet").pipe(
      Effect.mapError((last) =>
        fail("ready", `${spec.healthPath} did not answer 200 within ${spec.startupTimeoutMs} ms (last: ${last})`, "raise startup_timeout if it is slow to start")
      )
    )
  )
  if (fixedPort > 0) yield* Effect.mapError(checkPortOwned(spec.name, fixedPort, child.pid), (foreign) => fail("ready", foreign.message, "only the provider's own process group may hold its port"))
  const readyAt = yield* Clock.currentTimeMillis
  const port = Number(new URL(origin).port)
  return {
    pid: child.pid,
    port,
    baseUrl: origin,
    exit: child.exit,
    probe: ownedProbe(spec.name, fixedPort, child.pid, httpHealth(client, origin + spec.healthPath)),
    readyDetail: `pid=${child.pid} ${origin} in ${readyAt - spawnedAt} ms`,
    readyFields: {},
    module: Option.none()
  } satisfies Run
})
