/**
 * Runs the chain stack (hooks, traces, host capabilities, chain runner) over real supervised fixture
 * modules for one test, and builds entries for the scripted chain fixture (test/fixtures/chain_module.py).
 */
import { FileSystem } from "@effect/platform"
import { NodeContext, NodeHttpClient } from "@effect/platform-node"
import { Context, Effect, Exit, Layer, Scope } from "effect"
import { fileURLToPath } from "node:url"
import type { ModuleEntry } from "../../src/contract/ModuleEntry.js"
import * as ChainStack from "../../src/node/ChainStack.js"
import * as ChainRunner from "../../src/middleware/ChainRunner.js"
import * as TraceStore from "../../src/middleware/TraceStore.js"
import * as OrbiplexNode from "../../src/node/OrbiplexNode.js"
import { Supervisor } from "../../src/supervisor/Supervisor.js"
import { fixtureEntry, type FixtureOverrides, nodeConfig, RUN_MARKER } from "../support/Fixture.js"

/** The scripted chain fixture. */
export const CHAIN_SCRIPT = fileURLToPath(new URL("../fixtures/chain_module.py", import.meta.url))

/** A decision as the fixture sends it. */
export const decision = (kind: string, extra: Record<string, unknown> = {}) => ({
  schema_version: "middleware-decision.v1",
  decision: kind,
  reason: `scripted ${kind}`,
  ...extra
})

/** An entry for the chain fixture playing `script` round by round, attached to `hooks`. */
export const chainEntry = (
  id: string,
  hooks: ReadonlyArray<string>,
  script: ReadonlyArray<unknown>,
  overrides: FixtureOverrides = {}
): ModuleEntry => {
  const moduleId = overrides.module_id ?? `fixture-${id}`
  return fixtureEntry(id, "ok", {
    ...overrides,
    module_id: moduleId,
    hooks,
    launch: { args: [CHAIN_SCRIPT, RUN_MARKER] },
    env: { CHAIN_SCRIPT: JSON.stringify(script), FIXTURE_MODULE_ID: moduleId, ...overrides.env }
  })
}

/** The services a chain test drives. */
export interface ChainNode {
  readonly runner: ChainRunner.ChainRunner["Type"]
  readonly store: TraceStore.TraceStore["Type"]
  readonly supervisor: Supervisor["Type"]
  /** The node's data folder (a fresh temp folder). */
  readonly dataDir: string
}

/** Starts the modules and the chain stack; everything stops with the test's scope. */
export const startChain = (
  modules: ReadonlyArray<ModuleEntry>,
  hooks: unknown = {}
): Effect.Effect<ChainNode, never, Scope.Scope> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const dataDir = yield* fs.makeTempDirectoryScoped({ prefix: "orbiplex-chain-" })
    const scope = yield* Scope.make()
    yield* Effect.addFinalizer(() => Scope.close(scope, Exit.void))
    const layer = ChainStack.layer({ hooks, modules, node: { data_dir: dataDir } }).pipe(
      Layer.provideMerge(OrbiplexNode.layerSupervisionWithoutHttp(nodeConfig(modules))),
      Layer.provide(NodeHttpClient.layerUndici)
    )
    const context = yield* Layer.buildWithScope(layer, scope)
    // The supervisor's build returns while modules start: the chain tests begin once they are up.
    yield* Context.get(context, Supervisor).awaitSettled
    return {
      runner: Context.get(context, ChainRunner.ChainRunner),
      store: Context.get(context, TraceStore.TraceStore),
      supervisor: Context.get(context, Supervisor),
      dataDir
    }
  }).pipe(Effect.orDie, Effect.provide(NodeContext.layer))
