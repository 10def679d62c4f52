/**
 * Startup and lifecycle of both bundled modules under the supervisor with the exchange host side:
 * both `ready` with the version and capabilities their module.json declares, stopped and started
 * again by an operator, restarted with a new process; and a node whose Arca is disabled has no
 * workflow executor (the runner says how to add one).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Option } from "effect"
import { expectNoLeftoverProcesses } from "../support/Processes.js"
import { arcaEntry, datorEntry, MORNING_TEMPLATE, pidOf, readJsonObject, startExchange } from "../exchange/ExchangeHarness.js"

expectNoLeftoverProcesses()

const dator = () => datorEntry("dator", { identity: "adam-news", services: [{ service_type: "news.topical", price: 600 }] })

describe("bundled Dator and Arca", () => {
  it.scopedLive("both start ready, reporting their versions and capabilities; operators stop, start and restart them", () =>
    Effect.gen(function*() {
      const node = yield* startExchange([dator(), arcaEntry()])
      const list = yield* node.supervisor.list
      expect(list.map((s) => [s.component_id, s.state, s.module_id, s.module_name, s.module_version, s.capabilities])).toEqual([
        ["middleware.dator", "ready", "orbiplex-dator", "Orbiplex Dator", "0.1.0", ["dator/exchange-service-publication", "dator/service-execution-shaping"]],
        ["middleware.arca", "ready", "orbiplex-arca", "Orbiplex Arca", "0.1.0", ["arca/workflow-orchestration", "arca/phase-retry-and-publication-shaping"]]
      ])
      expect(list.map((s) => s.hooks)).toEqual([["service.publish", "service.execute"], ["workflow.event"]])
      expect(Option.getOrUndefined(node.runner.executorId)).toBe("arca")

      yield* Effect.orDie(node.supervisor.stop("arca"))
      expect((yield* Effect.orDie(node.supervisor.inspect("arca"))).state).toBe("stopped")
      yield* Effect.orDie(node.supervisor.start("arca"))
      expect((yield* Effect.orDie(node.supervisor.awaitStatus("arca", (s) => s.state === "ready"))).module_version).toBe("0.1.0")

      const before = yield* pidOf(node, "dator")
      yield* Effect.orDie(node.supervisor.restart("dator"))
      yield* Effect.orDie(node.supervisor.awaitStatus("dator", (s) => s.state === "ready"))
      expect(yield* pidOf(node, "dator")).not.toBe(before)
      // The restarted Dator serves orders for the offer published at start.
      const order = yield* node.procurement.order({
        provider_id: "local:dator",
        service_type: "news.topical",
        price: 600,
        currency: "ORC",
        input: { topic: "restart" }
      })
      expect(order.outcome).toBe("completed")
    }))

  it.scopedLive("with Arca disabled (left out of the enabled modules) the runner names the missing executor", () =>
    Effect.gen(function*() {
      const node = yield* startExchange([dator()])
      expect(Option.isNone(node.runner.executorId)).toBe(true)
      const refused = yield* Effect.either(node.runner.start({ template: readJsonObject(MORNING_TEMPLATE) }))
      expect(Either.isLeft(refused) ? refused.left.message : "").toBe(
        "no Arca module to run workflows: add {\"id\": \"arca\", \"bundled\": \"arca\"} to \"modules\" in the node config " +
          "(modules on workflow.event: none)"
      )
    }))
})
