/**
 * One launch of a module as one scoped resource graph (CONTRACTS §1.4):
 * preflight → spawn → announcement → readiness → `middleware-init` → validated report.
 * Closing the scope tears it down in reverse: the process group gets SIGTERM, then SIGKILL after
 * `grace_ms`, and the token file is removed. Any step past its deadline fails the launch with the
 * step named, which closes the scope, which stops the process.
 */
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { Clock, Duration, Effect, Either, Option, type Scope } from "effect"
import {
  HOST_API_VERSION,
  MIDDLEWARE_CONTRACT_VERSION,
  MiddlewareInit,
  ModuleReport
} from "../contract/MiddlewareInit.js"
import type { ModuleEntry } from "../contract/ModuleEntry.js"
import { formatProblems, problemsOf } from "../contract/Problems.js"
import { Schema } from "effect"
import { describeExit, spawnChild } from "./ChildProcess.js"
import { AUTH_HEADER, childEnvironment, makeLaunchToken } from "./ChildEnvironment.js"
import { announcedOrigin, watchChildOutput } from "./ChildOutput.js"
import type { Listening, Run, RunningModule } from "./Member.js"
import { checkPortFree, checkPortOwned, fixedPortOf, ownedProbe } from "./PortOwner.js"
import { preflight } from "./Preflight.js"
import { awaitReady, httpHealth, httpReady } from "./Probe.js"
import { ProcessGroups } from "./ProcessGroups.js"
import { checkReport } from "./ReportCheck.js"
import { ModuleStartFailed, type StartStep } from "./SupervisorError.js"
import { exportedTraceparent } from "../tracing/Tracing.js"

export type { RunningModule } from "./Member.js"

/** What the host tells every module at init. */
export interface HostIdentity {
  readonly nodeId: string
  readonly hostVersion: string
}

const decodeReport = Schema.decodeUnknownEither(ModuleReport, { errors: "all" })

const isLoopback = (host: string): boolean => host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)

/** Launches `entry` inside the caller's scope and returns once the module is ready. */
export const launchModule = Effect.fn("ModuleLaunch.launch")(function*(entry: ModuleEntry, host: HostIdentity, listening: Listening = () => Effect.void) {
  const client = yield* HttpClient.HttpClient
  const fail = (step: StartStep, detail: string, hint: string, permanent = false) =>
    new ModuleStartFailed({ executor_id: entry.id, component_id: entry.component_id, step, detail, hint, permanent })

  const problems = yield* preflight(entry.launch)
  if (problems.length > 0) {
    const first = problems[0]!
    return yield* fail("preflight", problems.map((problem) => `${problem.field}: ${problem.detail}`).join("; "), first.hint, true)
  }
  const token = yield* makeLaunchToken.pipe(
    Effect.mapError((error) => fail("spawn", `cannot write the token file: ${error.message}`, "check that the temp folder is writable", true))
  )
  const fixedPort = fixedPortOf(entry.http.endpoint)
  if (fixedPort > 0) yield* Effect.mapError(checkPortFree(entry.id, fixedPort), (held) => fail("spawn", held.message, "a leftover of a crashed run is reaped at start; anything else must be stopped by hand"))
  const groups = Option.map(yield* Effect.serviceOption(ProcessGroups), (groups) => groups.hookFor(entry.module_id))
  const spawnedAt = yield* Clock.currentTimeMillis
  const child = yield* spawnChild({
    executable: entry.launch.executable,
    args: entry.launch.args,
    cwd: entry.launch.cwd,
    env: childEnvironment(entry, token, Option.getOrUndefined(yield* exportedTraceparent)),
    graceMs: entry.stop.grace_ms
  }, Option.getOrUndefined(groups)).pipe(Effect.mapError((error) => fail("spawn", `cannot start ${error.executable}: ${error.reason}`, "check launch.executable and launch.cwd", true)))

  const awaitAnnouncement = yield* watchChildOutput(child, entry.component_id)

  // Every wait below also ends the moment the child exits: a dead module is reported at once.
  const orExit = <A, E>(step: StartStep, effect: Effect.Effect<A, E>) =>
    Effect.raceFirst(
      effect,
      Effect.flatMap(child.exit, (exit) =>
        Effect.fail(fail(step, `the process ${describeExit(exit)} before it was ready`, "read the module's stderr lines above")))
    )
  const deadline = spawnedAt + entry.http.startup_timeout_ms
  const timeLeft = Effect.map(Clock.currentTimeMillis, (now) => Duration.millis(Math.max(0, deadline - now)))

  const announcement = yield* orExit(
    "announce",
    awaitAnnouncement.pipe(
      Effect.timeoutFail({
        duration: entry.http.startup_timeout_ms,
        onTimeout: () =>
          fail("announce", `no announcement within ${entry.http.startup_timeout_ms} ms`, "check that the module prints its listening line")
      })
    )
  )
  if (!isLoopback(announcement.host)) {
    return yield* fail("announce", `the module announced host ${announcement.host}`, "modules must listen on loopback only (127.0.0.1 or ::1)", true)
  }
  const baseUrl = announcedOrigin(announcement)
  yield* listening(child.pid, announcement.host, announcement.port)

  yield* orExit(
    "ready",
    awaitReady(httpReady(client, baseUrl + entry.http.ready_path), Duration.toMillis(yield* timeLeft), "no answer yet").pipe(
      Effect.mapError((last) =>
        fail("ready", `${entry.http.ready_path} did not answer 200 within ${entry.http.startup_timeout_ms} ms (last: ${last})`, "check what the module waits for before it reports ready, or raise http.startup_timeout_ms")
      )
    )
  )

  if (fixedPort > 0) yield* Effect.mapError(checkPortOwned(entry.id, announcement.port, child.pid), (foreign) => fail("ready", foreign.message, "only the module's own process group may hold its port"))
  const authorization = `Bearer ${token.token}`
  const init = new MiddlewareInit({
    schema_version: "middleware-init.v1",
    middleware_contract_version: MIDDLEWARE_CONTRACT_VERSION,
    host_api_version: HOST_API_VERSION,
    host_version: host.hostVersion,
    executor_id: entry.id,
    executor_kind: "http_local_json",
    node_id: host.nodeId,
    granted_capabilities: entry.grants,
    module_settings: entry.settings
  })
  const body = yield* orExit(
    "init",
    HttpClientRequest.post(baseUrl + entry.http.init_path).pipe(
      HttpClientRequest.setHeader(AUTH_HEADER, authorization),
      HttpClientRequest.bodyUnsafeJson(Schema.encodeSync(MiddlewareInit)(init)),
      client.execute,
      Effect.flatMap((response) =>
        response.status === 200
          ? response.json
          : Effect.flatMap(response.text, (text) => Effect.fail(new Error(`answered ${response.status}: ${text.slice(0, 200)}`)))
      ),
      Effect.scoped,
      Effect.timeoutFail({
        duration: entry.http.request_timeout_ms,
        onTimeout: () => new Error(`no answer within ${entry.http.request_timeout_ms} ms`)
      }),
      Effect.mapError((error) => fail("init", `${entry.http.init_path} ${error.message}`, "check the module's init handler and its stderr"))
    )
  )
  const report = yield* Either.match(decodeReport(body), {
    onLeft: (error) =>
      Effect.fail(fail("report", `the module report is invalid:\n${formatProblems(problemsOf(error))}`, "fix the module's module.json or init handler", true)),
    onRight: Effect.succeed
  })
  const checked = checkReport(report, entry)
  if (Either.isLeft(checked)) return yield* fail("report", checked.left.detail, checked.left.hint, true)
  const readyAt = yield* Clock.currentTimeMillis
  return {
    entry,
    child,
    pid: child.pid,
    port: announcement.port,
    baseUrl,
    authorization,
    report,
    startMillis: readyAt - spawnedAt
  } satisfies RunningModule
})

/** A ready module as the lifetime sees it. */
export const moduleRun = (running: RunningModule, client: HttpClient.HttpClient): Run => ({
  pid: running.pid,
  port: running.port,
  baseUrl: running.baseUrl,
  exit: running.child.exit,
  probe: ownedProbe(
    running.entry.id,
    fixedPortOf(running.entry.http.endpoint),
    running.pid,
    httpHealth(client, running.baseUrl + running.entry.http.health_path)
  ),
  readyDetail: `pid=${running.pid} port=${running.port} version=${running.report.module_version} ` +
    `capabilities=${running.report.capabilities.map((capability) => capability.capability_id).join(",") || "-"} ` +
    `in ${running.startMillis} ms`,
  readyFields: {
    module_name: running.report.module_name,
    module_version: running.report.module_version,
    description: running.report.description,
    capabilities: running.report.capabilities.map((capability) => capability.capability_id)
  },
  module: Option.some(running)
})

/** The scoped launch as a plain type, for callers that name it. */
export type Launching = Effect.Effect<RunningModule, ModuleStartFailed, Scope.Scope | HttpClient.HttpClient>
