/**
 * Real providers for the provider and pipeline tests: the scripted fixture provider
 * (test/fixtures/provider_fixture.py) started as a remote process or supervised by the host,
 * provider entries in config form, and the providers-and-pipelines layer built for a test.
 */
import { Context, Deferred, Effect, Exit, Layer, Option, Schema, Scope, Stream } from "effect"
import * as Net from "node:net"
import { fileURLToPath } from "node:url"
import { decodeAnnouncementLine } from "../../src/contract/Announcement.js"
import type { InProcessModule } from "../../src/pipeline/InProcessModule.js"
import * as PipelineNode from "../../src/node/PipelineNode.js"
import { Pipelines } from "../../src/pipeline/Pipelines.js"
import { standardModules } from "../../src/pipeline/StandardModules.js"
import { ProviderClient } from "../../src/provider/ProviderClient.js"
import { ProviderEntry } from "../../src/provider/ProviderConfig.js"
import type { RegistryOptions } from "../../src/provider/ProviderRegistry.js"
import { ProviderRegistry } from "../../src/provider/ProviderRegistry.js"
import { CallPolicies } from "../../src/resilience/CallPolicies.js"
import { spawnChild } from "../../src/supervisor/ChildProcess.js"
import * as LifecycleLog from "../../src/supervisor/LifecycleLog.js"
import { FIXTURES_DIR, PYTHON, RUN_MARKER } from "../support/Fixture.js"

/** The scripted provider. */
export const PROVIDER_FIXTURE = fileURLToPath(new URL("../fixtures/provider_fixture.py", import.meta.url))

const StatsSchema = Schema.Struct({
  requests: Schema.Number,
  executions: Schema.Record({ key: Schema.String, value: Schema.Number }),
  max_in_flight: Schema.Number
})

/** A fixture provider process the test started itself (a "remote" provider, as far as the host knows). */
export interface RemoteFixture {
  readonly origin: string
  readonly pid: number
  /** Request counters of the fixture (`GET /stats`). */
  readonly stats: Effect.Effect<typeof StatsSchema.Type>
}

/** Starts the fixture provider in the test's scope and waits for its announcement. */
export const startRemoteFixture = (env: Record<string, string> = {}): Effect.Effect<RemoteFixture, never, Scope.Scope> =>
  Effect.gen(function*() {
    const child = yield* spawnChild({
      executable: PYTHON,
      args: [PROVIDER_FIXTURE, RUN_MARKER],
      cwd: FIXTURES_DIR,
      env: { PYTHONUNBUFFERED: "1", ...env },
      graceMs: 1_000
    }).pipe(Effect.orDie)
    const announced = yield* Deferred.make<number>()
    yield* child.stdoutLines.pipe(
      Stream.runForEach((line) => Option.match(decodeAnnouncementLine(line), { onNone: () => Effect.void, onSome: (a) => Effect.asVoid(Deferred.succeed(announced, a.port)) })),
      Effect.forkScoped
    )
    yield* child.stderrLines.pipe(Stream.runDrain, Effect.forkScoped)
    yield* Effect.addFinalizer(() => child.stop)
    const port = yield* Deferred.await(announced).pipe(Effect.timeoutFail({ duration: "5 seconds", onTimeout: () => "no announcement" }), Effect.orDie)
    const origin = `http://127.0.0.1:${port}`
    return {
      origin,
      pid: child.pid,
      stats: Effect.promise(async () => Schema.decodeUnknownSync(StatsSchema)(await (await fetch(`${origin}/stats`)).json()))
    }
  })

/** A port nothing listens on (bound, then released). */
export const closedPort: Effect.Effect<number> = Effect.async<number>((resume) => {
  const server = Net.createServer()
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    server.close(() => resume(Effect.succeed(port)))
  })
})

/** Echo's output: what the fixture saw. */
export const echoOutput = { text: "Optional<String>", execution_id: "String", timeout_ms: "Int", traceparent: "String", attempt: "Int" }

/** A provider entry in config form, decoded. */
export const entry = (json: Record<string, unknown>): ProviderEntry =>
  Schema.decodeUnknownSync(ProviderEntry)({ input_schema: { text: "String" }, output_schema: echoOutput, ...json })

/** A provider supervised by the host, running the fixture on an announced port. */
export const supervisedEntry = (name: string, json: Record<string, unknown> = {}, env: Record<string, string> = {}): ProviderEntry =>
  entry({
    name,
    url: "http://127.0.0.1:0/echo",
    health_url: "http://127.0.0.1:0/health",
    launch: { executable: PYTHON, args: [PROVIDER_FIXTURE, RUN_MARKER], cwd: FIXTURES_DIR, env },
    startup_timeout: "5s",
    restart_policy: { max_restarts: 3, window_sec: 60, backoff: { initial_ms: 20, max_ms: 100, jitter: false } },
    health: { interval_ms: 60_000 },
    stop: { grace_ms: 500 },
    ...json
  })

/** The services a test drives. */
export interface TestProviders {
  readonly registry: ProviderRegistry["Type"]
  readonly client: ProviderClient["Type"]
  readonly pipelines: Pipelines["Type"]
  readonly policies: CallPolicies["Type"]
  readonly log: LifecycleLog.LifecycleLog["Type"]
  /** Closes the providers' scope now (stops supervised providers); idempotent. */
  readonly close: Effect.Effect<void>
}

/** Builds providers and pipelines in the test's scope (closed with it, or earlier by `close`). */
export const startProviders = (options: {
  readonly providers: ReadonlyArray<ProviderEntry>
  readonly pipelines?: Readonly<Record<string, unknown>>
  readonly modules?: ReadonlyArray<InProcessModule<unknown, unknown>>
  readonly registry?: RegistryOptions
}) =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    const close = Scope.close(scope, Exit.void)
    yield* Effect.addFinalizer(() => close)
    const layer = PipelineNode.layer({
      providers: options.providers,
      pipelines: options.pipelines ?? {},
      modules: options.modules ?? standardModules,
      ...(options.registry === undefined ? {} : { registry: options.registry })
    }).pipe(Layer.provideMerge(LifecycleLog.layer))
    const context = yield* Layer.buildWithScope(layer, scope)
    return {
      registry: Context.get(context, ProviderRegistry),
      client: Context.get(context, ProviderClient),
      pipelines: Context.get(context, Pipelines),
      policies: Context.get(context, CallPolicies),
      log: Context.get(context, LifecycleLog.LifecycleLog),
      close
    } satisfies TestProviders
  })
