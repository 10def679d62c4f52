/**
 * The workflow runner with the real Arca and three real Dators (docs/modules.md §3.8): the story
 * 006 morning workflow completing with its briefing staged under data_dir; queue saturation retried
 * by the phase's policy; a phase failing after its retries and the run stopping with the failure in
 * the run file; a provider swap refused (and, when the node approves, applied); the host refusing an
 * invalid decision of the workflow module.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import type { JsonObject } from "../../src/contract/Json.js"
import { defaultExchange } from "../../src/exchange/ExchangeConfig.js"
import type { RunEvent } from "../../src/workflow/WorkflowRun.js"
import { fixtureEntry } from "../support/Fixture.js"
import { expectNoLeftoverProcesses } from "../support/Processes.js"
import { storedRun } from "./StoredRuns.js"
import { acceptedInAdvance, arcaEntry, fastRetries, get, MORNING_TEMPLATE, readJsonObject, startExchange, storyDators } from "../exchange/ExchangeHarness.js"

expectNoLeftoverProcesses()

const morning = (): JsonObject => readJsonObject(MORNING_TEMPLATE)

const collect = () => {
  const events: Array<RunEvent> = []
  return { events, onEvent: (event: RunEvent) => Effect.sync(() => void events.push(event)) }
}

const named = (events: ReadonlyArray<RunEvent>, name: string) => events.filter((event) => event.event === name)

describe("workflow runner", () => {
  it.scopedLive("runs the story 006 morning workflow to completion and stages the briefing under data_dir", () =>
    Effect.gen(function*() {
      const node = yield* startExchange([...storyDators({ redaction: 6, illustration: 6 }), arcaEntry()])
      const { events, onEvent } = collect()
      const outcome = yield* node.runner.start({ template: morning(), params: { date: "2026-03-30" }, runId: "wf-morning" }, { onEvent })
      expect(outcome.status).toBe("completed")
      expect(outcome.moves).toBe(5)
      expect(get(outcome.state, "summary")).toEqual({
        phases_done: 4,
        steps_done: 15,
        price_total: { ORC: 10_200 },
        staged: ["morning-briefing/briefing.json"]
      })
      expect(named(events, "workflow/phase-started").map((e) => e.detail["phase_id"])).toEqual(["news", "redaction", "illustration", "packaging"])
      expect(named(events, "workflow/phase-completed").map((e) => e.detail["phase_id"])).toEqual(["news", "redaction", "illustration", "packaging"])
      // The briefing is a real file in Arca's workspace, built from the providers' responses.
      const staged = Path.join(node.dataDir, "workspace", "arca", "morning-briefing", "briefing.json")
      const briefing = readJsonObject(staged)
      expect(briefing["date"]).toBe("2026-03-30")
      expect(Array.isArray(briefing["articles"]) ? briefing["articles"].length : 0).toBe(6)
      expect(String(get(briefing, "news"))).toContain("[deterministic")
      // Every order went to the template's provider at the template's price.
      const stored = yield* node.runner.load("wf-morning")
      expect(Option.isSome(stored)).toBe(true)
      if (Option.isNone(stored)) return
      const record = stored.value
      expect(record.host.status).toBe("completed")
      expect(Object.keys(record.host.outcomes).sort()).toHaveLength(15)
      expect(get(record.host.outcomes["redact-3#1"]?.result, "provider_id")).toBe("local:dator-redaction")
      expect(get(record.host.outcomes["news-1#1"]?.result, "response", "response_id")).toBe("response:wf-morning:news-1:1")
      // The run in the store (read through a second opening of it) is the record.
      expect((yield* storedRun(node.dataDir, "wf-morning")).state).toEqual(record.state)
      // Each move is traced under the run id.
      const traces = yield* node.traces.byCorrelation("wf-morning")
      expect(traces.filter((t) => t.hook === "workflow.event").map((t) => t.outcome)).toEqual(Array(5).fill("completed"))
      // ... and so is each order's service.execute chain, handled by its provider's Dator only: the Dators
      // before it in the chain are passed over (a `return` ends the chain, so none after it is reached).
      const orders = traces.filter((t) => t.hook === "service.execute")
      expect(orders).toHaveLength(14)
      expect(orders.every((t) => t.outcome === "returned")).toBe(true)
      expect(orders.every((t) => t.executors.filter((e) => e.status === "applied").length === 1)).toBe(true)
      expect(orders.every((t) => t.executors.every((e) => e.status === "applied" || e.status === "passed-over"))).toBe(true)
    }))

  it.scopedLive("queue saturation is retried by the phase's policy and the workflow still completes", () =>
    Effect.gen(function*() {
      // Redaction and illustration queues hold 3 while each phase orders 6 at once.
      const node = yield* startExchange([...storyDators(), arcaEntry()])
      const { events, onEvent } = collect()
      const outcome = yield* node.runner.start({ template: fastRetries(morning()), runId: "wf-saturated" }, { onEvent })
      expect(outcome.status).toBe("completed")
      const retries = named(events, "workflow/step-retry-scheduled")
      expect(retries.length).toBeGreaterThan(0)
      for (const retry of retries) {
        expect(String(retry.detail["error"])).toMatch(/^order rejected: queue-saturated \(/)
      }
      expect(named(events, "host/intent-finished").filter((e) => e.detail["reason"] === "queue-saturated").length).toBe(retries.length)
      expect(named(events, "host/intent-finished").some((e) => e.detail["capability"] === "workflow.schedule")).toBe(true)
      expect(get(outcome.state, "summary", "steps_done")).toBe(15)
    }))

  it.scopedLive("a phase failing after its retries stops the workflow; the failure is visible in the outcome and the run file", () =>
    Effect.gen(function*() {
      const node = yield* startExchange([...storyDators(), arcaEntry()])
      const template: JsonObject = {
        template_id: "underpaid",
        phases: [
          {
            phase_id: "news",
            retry: { max_attempts: 2, backoff: { initial: "10ms", factor: 2, max: "50ms" } },
            steps: [{
              step_id: "cheap-news",
              kind: "remote-paid",
              provider_id: "local:dator-news",
              service_type: "news.topical",
              price: 100,
              currency: "ORC",
              input: { topic: "technology" }
            }]
          },
          {
            phase_id: "after",
            steps: [{ step_id: "never", kind: "local", capability: "workspace.stage", input: { path: "never.txt", content: "x" } }]
          }
        ]
      }
      const { events, onEvent } = collect()
      const outcome = yield* node.runner.start({ template, runId: "wf-underpaid" }, { onEvent })
      expect(outcome.status).toBe("failed")
      expect(outcome.failure).toMatchObject({ code: "phase-failed", source: "arca", phase_id: "news", step_id: "cheap-news" })
      expect(outcome.failure?.reason).toContain("step 'cheap-news' failed after 2 of 2 attempts")
      expect(outcome.failure?.reason).toContain("order rejected: price-exceeded")
      expect(named(events, "workflow/step-retry-scheduled")).toHaveLength(1)
      expect(named(events, "workflow/step-failed")).toHaveLength(1)
      expect(named(events, "workflow/phase-failed").map((e) => e.detail["code"])).toEqual(["phase-failed"])
      const file = yield* storedRun(node.dataDir, "wf-underpaid")
      expect(get(file.state, "status")).toBe("failed")
      expect(get(file.state, "failure", "code")).toBe("phase-failed")
      expect(get(file.state, "phases", "after", "status")).toBe("pending")
      expect(file.host.status).toBe("failed")
      const ran = Object.keys(file.host.outcomes)
      expect(ran.filter((id) => !id.startsWith("wake@")).sort()).toEqual(["cheap-news#1", "cheap-news#2"])
      expect(ran.filter((id) => id.startsWith("wake@"))).toHaveLength(1)
      expect(Fs.existsSync(Path.join(node.dataDir, "workspace", "arca", "never.txt"))).toBe(false)
    }))

  it.scopedLive("a provider swap the node does not approve is refused; the step keeps its provider", () =>
    Effect.gen(function*() {
      const node = yield* startExchange([...storyDators({ redaction: 6, illustration: 6 }), arcaEntry()])
      const { events, onEvent } = collect()
      const swap = { transition_id: "swap-1", step_id: "redact-3", change: { provider_id: "local:dator-illustration" }, reason: "Ola is saturated", requested_by: "operator:test" }
      const outcome = yield* node.runner.start({ template: morning(), runId: "wf-swap" }, {
        onEvent: (event) =>
          Effect.zipRight(
            onEvent(event),
            event.event === "workflow/phase-started" && event.detail["phase_id"] === "news"
              ? Effect.orDie(node.runner.requestTransition("wf-swap", swap))
              : Effect.void
          )
      })
      expect(outcome.status).toBe("completed")
      expect(get(outcome.state, "transitions", "swap-1", "status")).toBe("refused")
      expect(String(get(outcome.state, "transitions", "swap-1", "refusal"))).toContain("workflow.approve_transitions is false")
      expect(get(outcome.state, "steps", "redact-3", "terms", "provider_id")).toBe("local:dator-redaction")
      expect(named(events, "workflow/transition-proposed")).toHaveLength(1)
      expect(named(events, "workflow/transition-refused")).toHaveLength(1)
      const record = Option.getOrThrow(yield* node.runner.load("wf-swap"))
      expect(get(record.host.outcomes["redact-3#1"]?.result, "provider_id")).toBe("local:dator-redaction")
      expect(get(record.host.outcomes["transition:swap-1"]?.result, "decision")).toBe("refused")
    }))

  it.scopedLive("with approve_transitions, a swap backed by a catalog offer is approved and the step's new terms are used", () =>
    Effect.gen(function*() {
      const settings = acceptedInAdvance({ ...defaultExchange, workflow: { ...defaultExchange.workflow, approve_transitions: true } })
      const node = yield* startExchange([...storyDators({ redaction: 6, illustration: 6 }), arcaEntry()], { settings })
      const swap = {
        transition_id: "swap-2",
        step_id: "illustrate-6",
        change: { provider_id: "local:dator-news", service_type: "news.topical", price: 600 },
        reason: "try another illustrator"
      }
      const outcome = yield* node.runner.start({ template: morning(), runId: "wf-approved" }, {
        onEvent: (event) =>
          event.event === "workflow/phase-started" && event.detail["phase_id"] === "redaction"
            ? Effect.orDie(node.runner.requestTransition("wf-approved", swap))
            : Effect.void
      })
      expect(outcome.status).toBe("completed")
      expect(get(outcome.state, "transitions", "swap-2", "status")).toBe("applied")
      expect(get(outcome.state, "steps", "illustrate-6", "terms")).toEqual({
        provider_id: "local:dator-news",
        service_type: "news.topical",
        price: 600,
        currency: "ORC"
      })
      const record = Option.getOrThrow(yield* node.runner.load("wf-approved"))
      expect(get(record.host.outcomes["illustrate-6#1"]?.result, "provider_id")).toBe("local:dator-news")
      expect(get(outcome.state, "summary", "price_total")).toEqual({ ORC: 10_300 })
    }))

  it.scopedLive("the host refuses an invalid decision of the workflow module and stops the run with the reason", () =>
    Effect.gen(function*() {
      const fake = fixtureEntry("arca", "scripted", {
        hooks: ["workflow.event"],
        grants: ["procurement.order"],
        env: { FIXTURE_DECISION: JSON.stringify({ schema_version: "middleware-decision.v1", decision: "return", reason: "done, trust me" }) }
      })
      const node = yield* startExchange([fake])
      const { events, onEvent } = collect()
      const outcome = yield* node.runner.start({ template: morning(), runId: "wf-invalid" }, { onEvent })
      expect(outcome.status).toBe("failed")
      expect(outcome.failure).toMatchObject({ code: "invalid-decision", source: "host" })
      expect(outcome.failure?.reason).toContain("decided \"return\", which hook \"workflow.event\" does not admit")
      expect(named(events, "host/decision-rejected")).toHaveLength(1)
      expect(outcome.state).toEqual({})
    }))

  it.scopedLive("clips the workflow module's writes to host-owned run fields and refuses ungranted intents", () =>
    Effect.gen(function*() {
      const fake = fixtureEntry("arca", "scripted", {
        hooks: ["workflow.event"],
        grants: ["workflow.schedule"],
        env: {
          FIXTURE_DECISION: JSON.stringify({
            schema_version: "middleware-decision.v1",
            decision: "rewrite",
            reason: "greedy",
            patch: { workflow: { run_id: "someone-else", template: { template_id: "forged" }, state: { status: "completed" } } },
            intents: [{ intent_id: "pay-me", capability: "procurement.order", input: { provider_id: "x" } }]
          })
        }
      })
      const node = yield* startExchange([fake])
      const { events, onEvent } = collect()
      const outcome = yield* node.runner.start({ template: morning(), runId: "wf-greedy" }, { onEvent })
      expect(outcome.status).toBe("completed")
      const record = Option.getOrThrow(yield* node.runner.load("wf-greedy"))
      expect(record.run_id).toBe("wf-greedy")
      expect(record.template["template_id"]).toBe("morning-briefing")
      expect(record.host.outcomes["pay-me"]).toMatchObject({ status: "rejected" })
      expect(String(named(events, "host/intent-rejected")[0]?.detail["reason"])).toContain("not granted")
      const trace = (yield* node.traces.byCorrelation("wf-greedy")).find((t) => t.hook === "workflow.event")
      expect(trace?.executors[0]?.clipped.map((c) => c.path).sort()).toEqual(["workflow.run_id", "workflow.template.template_id"])
    }))
})
