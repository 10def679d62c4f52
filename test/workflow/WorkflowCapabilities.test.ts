/**
 * `workflow.schedule` (a timer on the Effect clock, for the run that asked only) and the
 * `workflow.transition` approval policy, on TestClock and a real catalog without modules; and the
 * publisher's refresh of offers before they expire, live.
 */
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Either, Fiber, Layer, Option, Schedule, Schema, TestClock } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { CatalogConfig, defaultExchange } from "../../src/exchange/ExchangeConfig.js"
import * as NodeIdentity from "../../src/exchange/NodeIdentity.js"
import * as OfferCatalog from "../../src/exchange/OfferCatalog.js"
import { defaultStorage } from "../../src/config/StorageConfig.js"
import * as NodeStore from "../../src/store/NodeStore.js"
import * as StoreLayer from "../../src/store/StoreLayer.js"
import { schedule } from "../../src/capability/WorkflowSchedule.js"
import { decideTransition, type TransitionInput } from "../../src/capability/WorkflowTransition.js"
import type { IntentContext } from "../../src/middleware/IntentHost.js"
import { expectNoLeftoverProcesses } from "../support/Processes.js"
import { datorEntry, startExchange } from "../exchange/ExchangeHarness.js"

expectNoLeftoverProcesses()

const context: IntentContext = {
  hook: "workflow.event",
  executorId: "arca",
  moduleId: "orbiplex-arca",
  correlationId: "wf-1",
  causalityId: "cause:wf-1:2",
  deadline: Number.POSITIVE_INFINITY
}

const catalogWithOffer = Effect.gen(function*() {
  const dir = yield* Effect.acquireRelease(
    Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "orbiplex-transition-"))),
    (folder) => Effect.sync(() => Fs.rmSync(folder, { recursive: true, force: true }))
  )
  const store = yield* Layer.build(StoreLayer.repositories.pipe(Layer.provideMerge(NodeStore.layer(defaultStorage, dir)))).pipe(
    Effect.orDie
  )
  const catalog = yield* OfferCatalog.make(Schema.decodeSync(CatalogConfig)({})).pipe(
    Effect.provide(NodeIdentity.layer(dir)),
    Effect.provide(store),
    Effect.orDie
  )
  yield* catalog.accept(yield* catalog.draft("dator-b", "redaction.pl", 0), { pricing: { amount: 900, currency: "ORC" } })
  return catalog
}).pipe(Effect.provide(NodeContext.layer))

const swap = (to: Partial<TransitionInput["to"]>): TransitionInput => {
  const from = { provider_id: "local:dator-a", service_type: "redaction.pl", price: 1000, currency: "ORC" }
  return { run_id: "wf-1", transition_id: "t1", step_id: "redact-3", phase_id: "redaction", from, to: { ...from, ...to }, reason: "saturated" }
}

describe("workflow.schedule", () => {
  it.effect("answers once the clock reaches wake_at_ms, with the time it woke", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(schedule.run({ run_id: "wf-1", wake_at_ms: 30_000, reason: "retry backoff" }, context))
      yield* TestClock.adjust("29 seconds")
      expect(Option.isNone(yield* Fiber.poll(fiber))).toBe(true)
      yield* TestClock.adjust("1 second")
      expect(yield* Fiber.join(fiber)).toEqual({ woke_at_ms: 30_000 })
      // A wake-up already due answers at once.
      expect(yield* schedule.run({ run_id: "wf-1", wake_at_ms: 10 }, context)).toEqual({ woke_at_ms: 30_000 })
    }))

  it.effect("refuses to schedule another run, and inputs that do not fit", () =>
    Effect.gen(function*() {
      const other = yield* Effect.either(schedule.run({ run_id: "wf-2", wake_at_ms: 1 }, context))
      expect(Either.isLeft(other) ? other.left.message : "").toContain("run_id \"wf-2\" is not the run that asked (\"wf-1\")")
      expect(Option.getOrThrow(schedule.check({ run_id: "wf-1", wake_at_ms: -1 }))).toContain("input.wake_at_ms")
    }))
})

describe("workflow.transition policy", () => {
  it.scoped("refuses every change while workflow.approve_transitions is false, saying why", () =>
    Effect.gen(function*() {
      const catalog = yield* catalogWithOffer
      const answer = yield* decideTransition(defaultExchange.workflow, catalog, swap({ provider_id: "local:dator-b" }))
      expect(answer.decision).toBe("refused")
      expect(answer.reason).toBe(
        "this node does not approve provider or price changes (workflow.approve_transitions is false): " +
          "provider_id \"local:dator-a\" -> \"local:dator-b\" for step redact-3 refused; the step keeps its template terms"
      )
    }))

  it.scoped("when approval is on, approves only terms a current catalog offer backs", () =>
    Effect.gen(function*() {
      const catalog = yield* catalogWithOffer
      const policy = { approve_transitions: true }
      const backed = yield* decideTransition(policy, catalog, swap({ provider_id: "local:dator-b" }))
      expect(backed).toMatchObject({ decision: "approved", to: { provider_id: "local:dator-b", price: 1000 } })
      const tooCheap = yield* decideTransition(policy, catalog, swap({ provider_id: "local:dator-b", price: 800 }))
      expect(tooCheap.decision).toBe("refused")
      expect(tooCheap.reason).toContain("no current offer of local:dator-b for redaction.pl at 800 ORC or less")
      const unknown = yield* decideTransition(policy, catalog, swap({ provider_id: "local:nobody" }))
      expect(unknown.decision).toBe("refused")
    }))
})

describe("offer refresh", () => {
  it.scopedLive("publishes offers again before they expire", () =>
    Effect.gen(function*() {
      const settings = { ...defaultExchange, catalog: Schema.decodeSync(CatalogConfig)({ offer_ttl: "2s" }) }
      const node = yield* startExchange([datorEntry("dator-news", { services: [{ service_type: "news.topical", price: 600 }] })], { settings })
      const first = (yield* node.catalog.all)[0]
      expect(first?.sequence).toBe(1)
      const refreshed = yield* node.catalog.all.pipe(
        Effect.map((offers) => offers[0]),
        Effect.filterOrFail((offer) => (offer?.sequence ?? 0) >= 2),
        Effect.retry(Schedule.spaced(Duration.millis(50))),
        Effect.timeout("5 seconds"),
        Effect.orDie
      )
      expect(refreshed?.offer_id).toBe(first?.offer_id)
      expect((refreshed?.issued_at_ms ?? 0) > (first?.issued_at_ms ?? 0)).toBe(true)
      expect(refreshed === undefined ? false : node.catalog.verify(refreshed)).toBe(true)
    }))
})
