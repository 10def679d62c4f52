/**
 * Host procurement (docs/modules.md §2.3, §3.6) with the real Dator: an order runs the whole
 * `service.execute` chain, handled by its provider's Dator only (policy modules take their turn, other
 * Dators are passed over), whose `inquirium.request` intent the host carries out; mismatches with the
 * catalog offer are refused naming the field; a full queue is an order-level outcome, whether the
 * host or the Dator sees it first; a provider's invalid decision fails the order, never completes it.
 */
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Either, Fiber, Queue } from "effect"
import { fileURLToPath } from "node:url"
import { defaultExchange } from "../../src/exchange/ExchangeConfig.js"
import type { OrderInput } from "../../src/exchange/Procurement.js"
import { expectNoLeftoverProcesses } from "../support/Processes.js"
import { fixtureEntry, RUN_MARKER } from "../support/Fixture.js"
import { datorEntry, gatedInquirium, startExchange, storyDators } from "./ExchangeHarness.js"

expectNoLeftoverProcesses()

const CHAIN_SCRIPT = fileURLToPath(new URL("../fixtures/chain_module.py", import.meta.url))

const newsOrder = (extra: Partial<OrderInput> = {}): OrderInput => ({
  run_id: "wf-test",
  step_id: "news-1",
  attempt: 1,
  provider_id: "local:dator-news",
  service_type: "news.topical",
  price: 600,
  currency: "ORC",
  input: { topic: "technology", date: "2026-03-30" },
  ...extra
})

describe("procurement.order", () => {
  it.scopedLive("runs an order through its provider's Dator only, with the model work done by the host", () =>
    Effect.gen(function*() {
      const node = yield* startExchange(storyDators())
      const outcome = yield* node.procurement.order(newsOrder())
      expect(outcome).toMatchObject({
        outcome: "completed",
        order_id: "order:wf-test:news-1:1",
        provider_id: "local:dator-news",
        service_type: "news.topical",
        price: 600,
        currency: "ORC",
        settlement: { rail: "none", status: "unsettled", amount: 600, currency: "ORC" }
      })
      if (outcome.outcome !== "completed") return
      expect(outcome.response).toMatchObject({
        format: "markdown",
        confidence: 0.7,
        response_id: "response:wf-test:news-1:1",
        source_node_id: (yield* node.catalog.all)[0]?.document["node_id"],
        provenance: {
          capability: "inquirium.request",
          intent_id: "inquirium:order:wf-test:news-1:1",
          profile: "adam-news",
          model: "deterministic-v1",
          inquirium_provider: "deterministic"
        }
      })
      expect(String(outcome.response["content"])).toMatch(/^\[deterministic [0-9a-f]{12}\] Order input \(JSON\)/)
      const traces = yield* node.traces.byCorrelation("order:wf-test:news-1:1")
      expect(traces).toHaveLength(1)
      const executors = traces[0]?.executors ?? []
      expect(executors.map((e) => e.executor_id)).toEqual(["dator-news"])
      expect(executors[0]?.rounds.map((r) => r.decision)).toEqual(["annotate", "return"])
      expect(executors[0]?.intents).toEqual([
        expect.objectContaining({ intent_id: "inquirium:order:wf-test:news-1:1", capability: "inquirium.request", status: "ok" })
      ])
      expect(yield* node.procurement.depth("dator-news")).toBe(0)
    }))

  it.scopedLive("runs the whole chain in order: policy modules take their turn, a policy reject rejects the order, other Dators are passed over", () =>
    Effect.gen(function*() {
      const scripted = (id: string, hooks: ReadonlyArray<string>, answer: Record<string, unknown>) =>
        fixtureEntry(id, "scripted", {
          hooks,
          env: { FIXTURE_DECISION: JSON.stringify({ schema_version: "middleware-decision.v1", ...answer }) }
        })
      const auditor = scripted("auditor", ["service.publish", "service.execute"], {
        decision: "annotate",
        reason: "audited",
        annotations: { audited: true }
      })
      const gate = scripted("gate", ["service.execute"], {
        decision: "reject",
        reason: "the operator's policy refuses illustration orders",
        diagnostics: { code: "policy-refused", detail: "no illustrations bought today" }
      })
      const [news, , illustration] = storyDators()
      if (news === undefined || illustration === undefined) return yield* Effect.dieMessage("story Dators missing")
      const node = yield* startExchange([auditor, news, gate, illustration])
      const statuses = (correlationId: string) =>
        Effect.map(node.traces.byCorrelation(correlationId), (traces) =>
          traces.flatMap((trace) => trace.executors.map((e) => [e.executor_id, e.status, e.decision ?? null])))

      // Publication: the auditor shapes nothing but takes its turn; the Dator the offer is not for is passed over.
      const illustrationOffer = (yield* node.catalog.offersOf("local:dator-illustration"))[0]
      expect(yield* statuses(illustrationOffer?.offer_id ?? "?")).toEqual([
        ["auditor", "applied", "annotate"],
        ["dator-news", "passed-over", null],
        ["dator-illustration", "applied", "rewrite"]
      ])

      // An order for the first Dator: it returns the response before the gate (chain order is the config's).
      const completed = yield* node.procurement.order(newsOrder())
      expect(completed.outcome).toBe("completed")
      expect(yield* statuses("order:wf-test:news-1:1")).toEqual([["auditor", "applied", "annotate"], ["dator-news", "applied", "return"]])

      // An order for the Dator after the gate: the gate's reject is the order's outcome; the Dator is never asked.
      const refused = yield* node.procurement.order(newsOrder({
        step_id: "illustration-1",
        provider_id: "local:dator-illustration",
        service_type: "illustration.editorial",
        price: 500
      }))
      expect(refused).toMatchObject({
        outcome: "rejected",
        order_id: "order:wf-test:illustration-1:1",
        reason: "policy-refused",
        field: "provider",
        message: "no illustrations bought today"
      })
      expect(yield* statuses("order:wf-test:illustration-1:1")).toEqual([
        ["auditor", "applied", "annotate"],
        ["dator-news", "passed-over", null],
        ["gate", "applied", "reject"]
      ])
      expect(yield* node.procurement.depth("dator-illustration")).toBe(0)
    }))

  it.scopedLive("by default an order of an offer with auto_accept false awaits its operator, who accepts or refuses it", () =>
    Effect.gen(function*() {
      // The node's own defaults (procurement.acceptance: offer-terms), not the harness's.
      const node = yield* startExchange(storyDators(), { settings: defaultExchange })
      const arrivals = yield* node.acceptance.subscribe
      const redaction = (stepId: string) =>
        newsOrder({ step_id: stepId, provider_id: "local:dator-redaction", service_type: "redaction.pl", price: 1000, input: { text: "Ala ma kota" } })
      const accepted = yield* Effect.fork(node.procurement.order(redaction("redact-1")))
      const first = yield* Queue.take(arrivals)
      expect((yield* node.acceptance.pending).map((order) => order.order_id)).toEqual(["order:wf-test:redact-1:1"])
      // Nothing reached Ola's Dator while the order waited.
      expect(yield* node.traces.byCorrelation(first.order_id)).toEqual([])
      yield* node.acceptance.accept(first.order_id)
      expect((yield* Fiber.join(accepted)).outcome).toBe("completed")

      const refused = yield* Effect.fork(node.procurement.order(redaction("redact-2")))
      yield* node.acceptance.refuse((yield* Queue.take(arrivals)).order_id, "not today")
      expect(yield* Fiber.join(refused)).toMatchObject({ outcome: "rejected", reason: "order-refused", field: "queue.auto_accept" })
      // An offer with auto_accept true (Adam's news) is not held.
      expect((yield* node.procurement.order(newsOrder())).outcome).toBe("completed")
    }))

  it.scopedLive("refuses an order that does not match the catalog offer, naming the field, without dispatching it", () =>
    Effect.gen(function*() {
      const node = yield* startExchange(storyDators())
      const redactionOffer = (yield* node.catalog.offersOf("local:dator-redaction"))[0]
      const cases: ReadonlyArray<readonly [Partial<OrderInput>, string, string]> = [
        [{ provider_id: "local:dator-weather" }, "offer-not-found", "provider_id"],
        [{ service_type: "redaction.pl" }, "service-type-mismatch", "service_type"],
        [{ price: 599 }, "price-exceeded", "price"],
        [{ currency: "EUR" }, "currency-mismatch", "currency"],
        [{ offer_id: redactionOffer?.offer_id ?? "?" }, "provider-mismatch", "provider_id"],
        [{ offer_id: "offer:nothing" }, "offer-not-found", "offer_id"]
      ]
      for (const [change, reason, field] of cases) {
        const outcome = yield* node.procurement.order(newsOrder({ ...change, step_id: `case-${reason}-${field}` }))
        expect(outcome).toMatchObject({ outcome: "rejected", reason, field })
      }
      const priced = yield* node.procurement.order(newsOrder({ price: 599, step_id: "priced" }))
      expect(priced.outcome === "rejected" ? priced.message : "").toBe(
        `1 unit(s) × 600 (offer ${(yield* node.catalog.offersOf("local:dator-news"))[0]?.offer_id} of local:dator-news, ` +
          "per 1 item) = 600 ORC minor units, above the order's maximum 599"
      )
      // Nothing reached a Dator's service.execute.
      const dispatched = (yield* node.traces.recent(100)).filter((trace) => trace.hook === "service.execute")
      expect(dispatched).toEqual([])
    }))

  it.scopedLive("a full queue is an order-level outcome: queue-saturated from the host (offer max_depth)", () =>
    Effect.gen(function*() {
      const entered = yield* Queue.unbounded<string>()
      const release = yield* Deferred.make<void>()
      const node = yield* startExchange(
        [datorEntry("dator-news", { queue_max_depth: 1, services: [{ service_type: "news.topical", price: 600 }] })],
        { inquirium: gatedInquirium(entered, release) }
      )
      const first = yield* Effect.fork(node.procurement.order(newsOrder()))
      yield* Queue.take(entered) // the first order is in the Dator's hands, waiting on its model work
      const second = yield* node.procurement.order(newsOrder({ step_id: "news-2" }))
      expect(second).toEqual({
        outcome: "rejected",
        order_id: "order:wf-test:news-2:1",
        reason: "queue-saturated",
        field: "queue.max_depth",
        message: "local:dator-news has 1 orders in progress; its offer's queue.max_depth is 1",
        retryable: true
      })
      yield* Deferred.succeed(release, undefined)
      expect((yield* Fiber.join(first)).outcome).toBe("completed")
    }))

  it.scopedLive("a full queue is an order-level outcome: queue-saturated from the Dator (its profile limit)", () =>
    Effect.gen(function*() {
      const entered = yield* Queue.unbounded<string>()
      const release = yield* Deferred.make<void>()
      // The offer promises 5 (offer_extras), the Dator's own profile allows 1: the Dator refuses.
      const node = yield* startExchange(
        [datorEntry("dator-news", {
          identity: "adam-news",
          queue_max_depth: 1,
          offer_extras: { queue: { max_depth: 5 } },
          services: [{ service_type: "news.topical", price: 600 }]
        })],
        { inquirium: gatedInquirium(entered, release) }
      )
      const first = yield* Effect.fork(node.procurement.order(newsOrder()))
      yield* Queue.take(entered)
      const second = yield* node.procurement.order(newsOrder({ step_id: "news-2" }))
      expect(second).toEqual({
        outcome: "rejected",
        order_id: "order:wf-test:news-2:1",
        reason: "queue-saturated",
        field: "provider",
        message: "Dator 'adam-news' has 1 orders queued (limit 1); retry later",
        retryable: true,
        settlement: { rail: "none", status: "unsettled", amount: 600, currency: "ORC" }
      })
      yield* Deferred.succeed(release, undefined)
      expect((yield* Fiber.join(first)).outcome).toBe("completed")
      // The capability answers the same outcome as an ok intent result (never an executor failure).
      const viaIntent = yield* node.intents.execute(
        { intent_id: "news-3#1", capability: "procurement.order", input: newsOrder({ step_id: "news-3", price: 100 }) },
        { hook: "workflow.event", executorId: "arca", moduleId: "orbiplex-arca", correlationId: "wf-test", causalityId: "c", deadline: Number.POSITIVE_INFINITY }
      )
      expect(viaIntent).toMatchObject({ status: "ok", result: { outcome: "rejected", reason: "price-exceeded" } })
    }))

  it.scopedLive("a provider's invalid decision fails the order (nothing of it applies); host-owned writes are clipped", () =>
    Effect.gen(function*() {
      // One scripted answer for both hooks: on service.publish only offer.pricing is writable (the rest is
      // clipped); on service.execute order.price is host-owned (clipped) and response.content = 42 breaks
      // the payload schema, so the host refuses the decision.
      const decision = {
        schema_version: "middleware-decision.v1",
        decision: "rewrite",
        reason: "shady",
        patch: { offer: { pricing: { amount: 100, currency: "ORC" } }, order: { price: 1 }, response: { content: 42 } }
      }
      const shady = fixtureEntry("shady", "ok", {
        module_id: "fixture-shady",
        hooks: ["service.publish", "service.execute"],
        launch: { args: [CHAIN_SCRIPT, RUN_MARKER] },
        env: { CHAIN_SCRIPT: JSON.stringify([decision]), FIXTURE_MODULE_ID: "fixture-shady" },
        settings: { services: [{ service_type: "news.topical" }] }
      })
      const node = yield* startExchange([shady])
      const offer = (yield* node.catalog.offersOf("local:shady"))[0]
      expect(offer?.amount).toBe(100)
      const failed = yield* Effect.either(node.procurement.order(newsOrder({ provider_id: "local:shady", price: 100 })))
      expect(Either.isLeft(failed)).toBe(true)
      if (Either.isLeft(failed)) {
        expect(failed.left.message).toContain("order order:wf-test:news-1:1 to local:shady could not be carried out")
        expect(failed.left.message).toContain("leaves a payload hook \"service.execute\" does not accept")
      }
      const trace = (yield* node.traces.byCorrelation("order:wf-test:news-1:1"))[0]
      expect(trace?.outcome).toBe("failed")
      expect(trace?.executors[0]?.rounds[0]?.clipped).toEqual(expect.arrayContaining([{ path: "order.price", reason: "host-owned" }]))
      expect(trace?.executors[0]?.error?.kind).toBe("payload-invalid")
      expect(yield* node.procurement.depth("shady")).toBe(0)
    }))
})
