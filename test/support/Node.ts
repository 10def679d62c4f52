/**
 * Runs the runtime layer for a config inside a test: the services, the facts of one module as
 * compact strings, quiet logs, and envelopes to invoke with.
 */
import { HttpClient } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { Context, Effect, Exit, HashMap, Layer, Logger, LogLevel, Option, Scope } from "effect"
import { EnvelopeTrace, WorkflowEnvelope } from "../../src/contract/Envelope.js"
import type { JsonObject } from "../../src/contract/Json.js"
import type { LifecycleFact } from "../../src/contract/LifecycleFact.js"
import type { ModuleEntry } from "../../src/contract/ModuleEntry.js"
import * as OrbiplexNode from "../../src/node/OrbiplexNode.js"
import { LifecycleLog } from "../../src/supervisor/LifecycleLog.js"
import { ModuleClient } from "../../src/supervisor/ModuleClient.js"
import type { RunningModule } from "../../src/supervisor/ModuleLaunch.js"
import { Supervisor } from "../../src/supervisor/Supervisor.js"
import { nodeConfig } from "./Fixture.js"

/** The services a test drives. */
export interface TestNode {
  readonly supervisor: Supervisor["Type"]
  readonly client: ModuleClient["Type"]
  readonly log: LifecycleLog["Type"]
  /** Closes the node's scope now (stops every module in reverse order); idempotent. */
  readonly close: Effect.Effect<void>
}

/** Options of `startNode`. */
export interface StartOptions {
  /** Replaces the undici client (e.g. to count requests); defaults to `NodeHttpClient.layerUndici`. */
  readonly http?: Layer.Layer<HttpClient.HttpClient>
}

/**
 * Builds `OrbiplexNode` for `modules` (returns once each module is ready or failed). The node is
 * closed with the test's scope, or earlier through `close`.
 */
export const startNode = (
  modules: ReadonlyArray<ModuleEntry>,
  options: StartOptions = {}
): Effect.Effect<TestNode, never, Scope.Scope> =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    const close = Scope.close(scope, Exit.void)
    yield* Effect.addFinalizer(() => close)
    const layer = OrbiplexNode.layerSupervisionWithoutHttp(nodeConfig(modules)).pipe(
      Layer.provide(options.http ?? NodeHttpClient.layerUndici)
    )
    const context = yield* Layer.buildWithScope(layer, scope)
    // The layer returns while modules start; the tests here begin once each is ready or has failed.
    yield* Context.get(context, Supervisor).awaitSettled
    return {
      supervisor: Context.get(context, Supervisor),
      client: Context.get(context, ModuleClient),
      log: Context.get(context, LifecycleLog),
      close
    }
  })

/** Runtime logs are silent unless ORBIPLEX_TEST_LOG is set (then they go to the console). */
export const quiet = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  process.env["ORBIPLEX_TEST_LOG"] ? effect : Effect.provide(effect, Logger.minimumLogLevel(LogLevel.None))

/** A fact as `from>to:cause`, the form the order assertions compare. */
export const factKey = (fact: LifecycleFact): string => `${fact.from}>${fact.to}:${fact.cause}`

/** One module's facts, oldest first, as `from>to:cause`. */
export const factKeys = (node: TestNode, executorId: string): Effect.Effect<Array<string>> =>
  Effect.map(node.log.history(executorId), (facts) => facts.map(factKey))

/** The module's running instance; dies when it is not serving (tests call it after awaiting ready). */
export const runningOf = (node: TestNode, executorId: string): Effect.Effect<RunningModule> =>
  node.supervisor.current(executorId).pipe(
    Effect.orDie,
    Effect.flatMap(Option.match({
      onNone: () => Effect.dieMessage(`${executorId} is not running`),
      onSome: Effect.succeed
    }))
  )

let counter = 0

/** A valid envelope for `service.execute`; `payload` goes in verbatim. */
export const envelope = (payload: JsonObject = {}, deadlineMs = 0): WorkflowEnvelope =>
  WorkflowEnvelope.make({
    schema_version: "workflow-envelope.v1",
    envelope_id: `env_${++counter}`,
    hook: "service.execute",
    correlation_id: "order_test",
    payload,
    annotations: {},
    intent_results: [],
    trace: EnvelopeTrace.make({ causality_id: "cause:test", hop: 0, component_path: [] }),
    deadline_ms: deadlineMs
  })

/** Log lines the runtime wrote, captured for assertions (module output is tagged `component|stream|`). */
export interface LogCapture {
  readonly lines: ReadonlyArray<string>
  /** The pids the fixture logged at start (`fixture mode=… pid=N` on stderr) for one component. */
  readonly fixturePids: (componentId: string) => Array<number>
  /** Runs `effect` with every log line captured (and nothing printed). */
  readonly capture: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
}

/** A fresh log capture. */
export const makeLogCapture = (): LogCapture => {
  const lines: Array<string> = []
  const logger = Logger.make(({ annotations, message }) => {
    const module = HashMap.get(annotations, "module")
    const stream = HashMap.get(annotations, "stream")
    const text = (Array.isArray(message) ? message : [message]).map(String).join(" ")
    lines.push(Option.isSome(module) ? `${String(module.value)}|${String(Option.getOrElse(stream, () => ""))}|${text}` : text)
  })
  return {
    lines,
    fixturePids: (componentId) =>
      lines.flatMap((line) => {
        const match = line.startsWith(`${componentId}|stderr|`) ? /fixture mode=\S+ pid=(\d+)/.exec(line) : null
        return match?.[1] === undefined ? [] : [Number(match[1])]
      }),
    capture: (effect) => Effect.provide(effect, Logger.replace(Logger.defaultLogger, logger))
  }
}
