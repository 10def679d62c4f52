/**
 * The composition root builds every service once: one capability registry with every capability,
 * the `IntentHost` port bound to it, and one chain runner that the exchange chains share, each run
 * passing over the providers it is not aimed at and limited to the provider-side capabilities.
 */
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Exit, Layer, Option, Scope } from "effect"
import { NodeConfig, NodeSettings } from "../../src/config/NodeConfig.js"
import type { ModuleEntry } from "../../src/contract/ModuleEntry.js"
import { Capabilities } from "../../src/capability/Capability.js"
import { ExecutorChains } from "../../src/exchange/ExecutorChains.js"
import { defaultExchange } from "../../src/exchange/ExchangeConfig.js"
import { ChainRunner } from "../../src/middleware/ChainRunner.js"
import { IntentHost } from "../../src/middleware/IntentHost.js"
import * as NodeRoot from "../../src/node/NodeRoot.js"
import { tempDataDir } from "../exchange/ExchangeHarness.js"
import { chainEntry, decision } from "../middleware/ChainHarness.js"
import { quiet } from "../support/Node.js"
import { expectNoLeftoverProcesses } from "../support/Processes.js"

const ALL = ["inquirium.request", "workspace.stage", "catalog.publish-offer", "procurement.order", "ledger.account.get", "procurement.receipt.get", "workflow.schedule", "workflow.transition"]

/** Builds the exchange node of the root for `modules` over a fresh data folder, closed with the test's scope. */
const build = (modules: ReadonlyArray<ModuleEntry>) =>
  Effect.gen(function*() {
    const dataDir = yield* tempDataDir
    const config = NodeConfig.make({ node: NodeSettings.make({ id: "node-root", data_dir: dataDir }), modules })
    const exchange = { ...defaultExchange, catalog: { ...defaultExchange.catalog, refresh: false } }
    const scope = yield* Scope.make()
    // Quiet: stopping the modules logs too.
    yield* Effect.addFinalizer(() => quiet(Scope.close(scope, Exit.void)))
    return yield* Layer.buildWithScope(NodeRoot.layerExchange(config, { exchange }), scope)
  }).pipe(Effect.orDie, quiet, Effect.provide(NodeContext.layer))

describe("NodeRoot", () => {
  it.scopedLive("one registry holds every capability, in the list's order, and the IntentHost port is bound to it", () =>
    Effect.gen(function*() {
      const context = yield* build([])
      const registry = Context.get(context, Capabilities)
      const host = Context.get(context, IntentHost)
      expect(registry.ids).toEqual(ALL)
      expect(host.capabilities).toEqual(ALL)
      // Bound: the input is checked against procurement.order's schema, not refused as "still starting".
      expect(Option.getOrElse(host.check("procurement.order", {}), () => "")).toContain("input does not match the input schema of procurement.order")
      expect(Option.getOrElse(host.check("ledger.read", {}), () => "")).toContain("provides no capability \"ledger.read\"")
    }))

  it.scopedLive("exchange chains run on the one runner: the whole chain but the other providers, provider-side capabilities only", () =>
    Effect.gen(function*() {
      const asks = decision("allow", {
        intents: [
          { intent_id: "draft", capability: "inquirium.request", input: { prompt: "hello" } },
          { intent_id: "buy", capability: "procurement.order", input: { provider_id: "x" } }
        ]
      })
      const grants = ["inquirium.request", "procurement.order"]
      const sells = (serviceType: string) => ({ services: [{ service_type: serviceType }] })
      const context = yield* build([
        chainEntry("policy", ["service.execute"], [asks], { grants }),
        chainEntry("first", ["service.execute"], [asks], { grants, settings: sells("redaction") }),
        chainEntry("second", ["service.execute"], [decision("allow")], { settings: sells("news") })
      ])
      const runner = Context.get(context, ChainRunner)
      const chains = Context.get(context, ExecutorChains)
      const order = { order: { order_id: "order-1", service_type: "redaction", offer_id: "offer-9" }, request: { input: { text: "hi" } } }

      // Aimed at "first": the policy module and "first" take their turns; "second" sells something else.
      const aimed = yield* chains.run("first", "service.execute", order)
      expect(aimed.trace.executors.map((e) => [e.executor_id, e.status])).toEqual([
        ["policy", "applied"],
        ["first", "applied"],
        ["second", "passed-over"]
      ])
      expect(aimed.trace.executors[2]?.rounds).toEqual([])
      for (const turn of aimed.trace.executors.slice(0, 2)) {
        expect(turn.intents.map((i) => [i.intent_id, i.status])).toEqual([["draft", "ok"]])
        expect(turn.rejected_intents[0]).toMatchObject({ intent_id: "buy", reason: expect.stringContaining("not available to this chain") })
      }

      // The same runner, unnarrowed: every executor, and procurement.order reaches its schema check.
      const whole = yield* runner.runHook("service.execute", order)
      expect(whole.trace.executors.map((e) => [e.executor_id, e.status])).toEqual([["policy", "applied"], ["first", "applied"], ["second", "applied"]])
      expect(whole.trace.executors[0]?.rejected_intents[0]?.reason).toContain("input does not match the input schema of procurement.order")

      const stray = yield* Effect.flip(chains.run("nobody", "service.execute", order))
      expect(stray._tag).toBe("ExecutorNotAttached")
    }))
})

expectNoLeftoverProcesses()
