/**
 * The whole store as one layer: the database (migrated), every repository, the journal pruner and
 * the one-time import of JSON workflow runs. `node/` provides this from `config.storage` and
 * `config.node.data_dir`.
 */
import type * as SqlClient from "@effect/sql/SqlClient"
import { NodeFileSystem } from "@effect/platform-node"
import { Layer } from "effect"
import type { StorageConfig } from "../config/StorageConfig.js"
import * as FactRepo from "./FactRepo.js"
import * as IdempotencyRepo from "./IdempotencyRepo.js"
import * as IntentOutcomeRepo from "./IntentOutcomeRepo.js"
import * as NodeStore from "./NodeStore.js"
import * as OfferRepo from "./OfferRepo.js"
import * as OrderRepo from "./OrderRepo.js"
import * as Retention from "./Retention.js"
import type { StoreFailed, StoreUnavailable } from "./StoreError.js"
import * as TraceRepo from "./TraceRepo.js"
import * as WorkflowImport from "./WorkflowImport.js"
import * as WorkflowRunRepo from "./WorkflowRunRepo.js"

/** Every service the store provides. */
export type Store =
  | SqlClient.SqlClient
  | NodeStore.NodeStore
  | IntentOutcomeRepo.IntentOutcomeRepo
  | WorkflowRunRepo.WorkflowRunRepo
  | OrderRepo.OrderRepo
  | OfferRepo.OfferRepo
  | FactRepo.FactRepo
  | TraceRepo.TraceRepo
  | IdempotencyRepo.IdempotencyRepo

/** The repositories over an opened store. */
export const repositories = Layer.mergeAll(
  WorkflowRunRepo.layer.pipe(Layer.provideMerge(IntentOutcomeRepo.layer)),
  OrderRepo.layer,
  OfferRepo.layer,
  FactRepo.layer,
  TraceRepo.layer,
  IdempotencyRepo.layer
)

/** The store of a node: opened, migrated, JSON runs imported, journals pruned in the background. */
export const layer = (settings: StorageConfig, dataDir: string): Layer.Layer<Store, StoreUnavailable | StoreFailed> => {
  const withRepositories = repositories.pipe(Layer.provideMerge(NodeStore.layer(settings, dataDir)))
  const background = Layer.merge(Retention.layer(settings.retention), WorkflowImport.layer(dataDir).pipe(Layer.provide(NodeFileSystem.layer)))
  return Layer.provideMerge(background, withRepositories)
}
