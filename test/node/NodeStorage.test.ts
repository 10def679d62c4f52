/**
 * The composition root opens the node's store from `config.storage` and `node.data_dir` (SQLite by
 * default, PostgreSQL when configured), and the node's lifecycle facts and chain traces reach it
 * while the node runs; a later opening of the same store reads them back.
 */
import { NodeContext } from "@effect/platform-node"
import { expect, it } from "@effect/vitest"
import { ConfigProvider, Context, Effect, Exit, Layer, Scope } from "effect"
import { NodeConfig, NodeSettings } from "../../src/config/NodeConfig.js"
import { defaultExchange } from "../../src/exchange/ExchangeConfig.js"
import { ChainRunner } from "../../src/middleware/ChainRunner.js"
import * as NodeRoot from "../../src/node/NodeRoot.js"
import { FactRepo } from "../../src/store/FactRepo.js"
import { NodeStore } from "../../src/store/NodeStore.js"
import { TraceRepo } from "../../src/store/TraceRepo.js"
import { chainEntry, decision } from "../middleware/ChainHarness.js"
import { quiet } from "../support/Node.js"
import { expectNoLeftoverProcesses } from "../support/Processes.js"
import { forEachDialect } from "../store/Stores.js"

expectNoLeftoverProcesses()

forEachDialect("the node's store", (dialect) => {
  it.scopedLive("is opened from config.storage, and facts and traces reach it as they happen", () =>
    Effect.gen(function*() {
      const place = yield* dialect.place
      const config = NodeConfig.make({
        node: NodeSettings.make({ id: "node-store", data_dir: place.dataDir }),
        storage: place.settings(),
        modules: [chainEntry("first", ["service.execute"], [decision("allow")])]
      })
      const order = { order: { order_id: "order-1", service_type: "redaction", offer_id: "offer-9" }, request: { input: { text: "hi" } } }
      const exchange = { ...defaultExchange, catalog: { ...defaultExchange.catalog, refresh: false } }
      const scope = yield* Scope.make()
      yield* Effect.addFinalizer(() => quiet(Scope.close(scope, Exit.void)))
      const context = yield* Layer.buildWithScope(NodeRoot.layerExchange(config, { exchange }), scope).pipe(
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(place.env)))),
        Effect.orDie,
        quiet,
        Effect.provide(NodeContext.layer)
      )
      expect(Context.get(context, NodeStore).dialect).toBe(dialect.name)
      const result = yield* Context.get(context, ChainRunner).runHook("service.execute", order, {
        correlationId: "journal-1"
      })
      expect(result.outcome).toBe("completed")
      // Stopping the node flushes the journals before its store closes.
      yield* quiet(Scope.close(scope, Exit.void))

      yield* Effect.gen(function*() {
        const facts = yield* Effect.flatMap(FactRepo, (repo) => repo.recent({ limit: 100, module_id: "fixture-first" }))
        expect(facts.map((fact) => fact.to)).toContain("ready")
        const traces = yield* Effect.flatMap(TraceRepo, (repo) => repo.byCorrelation("journal-1"))
        expect(traces.map((trace) => [trace["hook"], trace["outcome"]])).toEqual([["service.execute", "completed"]])
      }).pipe(Effect.provide(place.bare()), Effect.orDie)
    }))
})
