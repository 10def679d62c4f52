/**
 * An embedder's view: build the runtime from a config and use it from another Effect program,
 * with nothing imported from the runtime but its public API (src/index.ts).
 */
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Layer, Ref } from "effect"
import {
  decodeNodeConfig,
  EnvelopeTrace,
  LifecycleLog,
  loadManifest,
  ModuleClient,
  OrbiplexNode,
  Supervisor,
  WorkflowEnvelope
} from "../../src/index.js"
// Paths only: where the scripted fixture lives and the marker the leftover check looks for.
import { FIXTURE_SCRIPT, FIXTURES_DIR, RUN_MARKER } from "../support/Fixture.js"
import { expectNoLeftoverProcesses, isAlive } from "../support/Processes.js"

expectNoLeftoverProcesses()

const embeddedConfig = Effect.gen(function*() {
  const { python } = yield* loadManifest
  return yield* decodeNodeConfig("/embedder/node.json", {
    node: { id: "embedded-node", log_level: "none" },
    modules: [{
      id: "echoer",
      module_id: "fixture-module",
      component_id: "middleware.echoer",
      launch: { executable: python, args: [FIXTURE_SCRIPT, RUN_MARKER], cwd: FIXTURES_DIR, env: { FIXTURE_MODE: "ok" } },
      stop: { grace_ms: 1_000 }
    }]
  })
}).pipe(Effect.provide(NodeContext.layer))

const envelope = (id: string) =>
  WorkflowEnvelope.make({
    schema_version: "workflow-envelope.v1",
    envelope_id: id,
    hook: "service.execute",
    correlation_id: "embedding",
    payload: { text: "hello" },
    annotations: {},
    intent_results: [],
    trace: EnvelopeTrace.make({ causality_id: "cause:embedding", hop: 0, component_path: [] }),
    deadline_ms: 2_000
  })

/** An embedder's own service, built on the runtime's client. */
class Greeter extends Context.Tag("embedder/Greeter")<Greeter, {
  readonly greet: (id: string) => Effect.Effect<unknown, unknown>
}>() {}

const greeterLayer = Layer.effect(
  Greeter,
  Effect.map(ModuleClient, (client) =>
    Greeter.of({
      greet: (id) => Effect.map(client.invoke("echoer", envelope(id)), (decision) => decision.annotations?.["seen"])
    }))
)

describe("embedding", () => {
  it.live("Effect.provide(OrbiplexNode.layer(config)) runs the modules for the program and stops them after", () =>
    Effect.gen(function*() {
      const config = yield* embeddedConfig
      const pid = yield* Ref.make(0)
      const seen = yield* Effect.gen(function*() {
        const supervisor = yield* Supervisor
        const client = yield* ModuleClient
        // The layer hands the services out while the module starts; the embedder waits when it wants to.
        yield* supervisor.awaitSettled
        const status = yield* supervisor.inspect("echoer")
        expect(status.state).toBe("ready")
        yield* Ref.set(pid, status.pid ?? 0)
        const decision = yield* client.invoke("echoer", envelope("env_embedded"))
        return decision.annotations?.["seen"]
      }).pipe(
        Effect.provide(OrbiplexNode.layer(config)),
        Effect.provide(OrbiplexNode.logLevelLayer(config.node.log_level))
      )
      expect(seen).toBe("env_embedded")
      // The layer's scope closed with the program: the module is stopped.
      expect(isAlive(yield* Ref.get(pid))).toBe(false)
    }))

  it.live("Layer.provide wires an embedder's own service onto the runtime", () =>
    Effect.gen(function*() {
      const config = yield* embeddedConfig
      const app = greeterLayer.pipe(Layer.provideMerge(OrbiplexNode.layer(config)))
      const facts = yield* Effect.gen(function*() {
        const greeter = yield* Greeter
        expect(yield* greeter.greet("env_layer")).toBe("env_layer")
        const log = yield* LifecycleLog
        return (yield* log.history("echoer")).map((fact) => `${fact.to}:${fact.cause}`)
      }).pipe(Effect.provide(app), Effect.provide(OrbiplexNode.logLevelLayer(config.node.log_level)))
      expect(facts).toEqual(["starting:start", "starting:listening", "ready:ready"])
    }))
})
