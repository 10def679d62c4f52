/**
 * Reads and writes runs in a node's store from outside the node, as an operator's tool would: a
 * second opening of the store under the node's data folder (SQLite, WAL), closed after each call.
 */
import { Effect, Layer, Option, type Scope } from "effect"
import { defaultStorage } from "../../src/config/StorageConfig.js"
import * as NodeStore from "../../src/store/NodeStore.js"
import * as StoreLayer from "../../src/store/StoreLayer.js"
import { type StoredRun, WorkflowRunRepo } from "../../src/store/WorkflowRunRepo.js"

const opened = (dataDir: string) => StoreLayer.repositories.pipe(Layer.provideMerge(NodeStore.layer(defaultStorage, dataDir)))

/** The stored run (dies when there is none). */
export const storedRun = (dataDir: string, runId: string): Effect.Effect<StoredRun> =>
  Effect.flatMap(WorkflowRunRepo, (repo) => repo.load(runId)).pipe(
    Effect.flatMap(Option.match({
      onNone: () => Effect.dieMessage(`no run ${runId} in the store under ${dataDir}`),
      onSome: Effect.succeed
    })),
    Effect.provide(opened(dataDir)),
    Effect.orDie
  )

/** Writes a run as it is (e.g. to simulate a host that lost part of its bookkeeping). */
export const overwriteRun = (dataDir: string, run: StoredRun): Effect.Effect<void> =>
  Effect.flatMap(WorkflowRunRepo, (repo) => repo.save(run)).pipe(Effect.provide(opened(dataDir)), Effect.orDie)

/** The store of a data folder, open for the caller's scope. */
export const openStore = (dataDir: string): Effect.Effect<Layer.Layer<StoreLayer.Store>, never, Scope.Scope> =>
  Effect.map(Layer.build(opened(dataDir)).pipe(Effect.orDie), Layer.succeedContext)
