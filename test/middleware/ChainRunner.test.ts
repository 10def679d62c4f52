/**
 * Chains of real Python modules (test/fixtures/chain_module.py) through the chain runner: rewrites
 * that pass or are clipped, refused and malformed decisions, modules down under each failure policy,
 * `return` stopping the chain, intents granted and not, `next_step` loops up to the bound, and the
 * trace each run leaves.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { isJsonObject } from "../../src/contract/Json.js"
import type { ExecutorTrace } from "../../src/middleware/ChainTrace.js"
import { quiet } from "../support/Node.js"
import { expectNoLeftoverProcesses } from "../support/Processes.js"
import { chainEntry, decision, startChain } from "./ChainHarness.js"

expectNoLeftoverProcesses()

const order = {
  order: { order_id: "order-1", service_type: "redaction", offer_id: "offer-9" },
  request: { input: { text: "Ala ma kota" } }
}

let runs = 0
const correlation = () => `corr-${++runs}-${Date.now()}`

const seenOf = (executor: ExecutorTrace | undefined, round = 0) => executor?.rounds[round]?.diagnostics?.["seen"]

/** One field of what the fixture saw in each round of a turn. */
const seenField = (executor: ExecutorTrace | undefined, field: string) =>
  (executor?.rounds ?? []).map((round) => {
    const seen = round.diagnostics?.["seen"]
    return isJsonObject(seen) ? seen[field] : undefined
  })

describe("ChainRunner with real modules", () => {
  it.scopedLive("a chain of two modules: the trace names exactly which paths were clipped and why", () =>
    Effect.gen(function*() {
      const node = yield* startChain([
        chainEntry("dator", ["service.execute"], [
          decision("rewrite", {
            annotations: { lang: "pl" },
            patch: {
              response: { content: "Ala ma kota.", format: "plain-text", response_id: "forged" },
              order: { amount: 0 },
              notes: "not mine to write"
            }
          })
        ]),
        chainEntry("arca", ["service.execute"], [
          decision("rewrite", { patch: { response: { summary: "$env.payload.response.content" } } })
        ])
      ])
      const result = yield* node.runner.runHook("service.execute", order, { correlationId: "order-two-modules" })
      expect(result.outcome).toBe("completed")
      expect(result.payload).toEqual({
        ...order,
        response: { content: "Ala ma kota.", format: "plain-text", summary: "Ala ma kota." }
      })
      expect(result.annotations).toEqual({ lang: "pl" })
      const [dator, arca] = result.trace.executors
      expect(dator).toMatchObject({ executor_id: "dator", status: "applied", decision: "rewrite" })
      expect(dator?.clipped).toEqual([
        { path: "response.response_id", reason: "host-owned" },
        { path: "order.amount", reason: "host-owned" },
        { path: "notes", reason: "not-granted" }
      ])
      expect(arca).toMatchObject({ executor_id: "arca", status: "applied", decision: "rewrite", clipped: [] })
      // The envelopes: hop and component path appended by the host, annotations carried, deadline left.
      expect(seenOf(dator)).toMatchObject({ hop: 0, component_path: ["middleware.dator"], annotations: {} })
      expect(seenOf(arca)).toMatchObject({
        hop: 1,
        component_path: ["middleware.dator", "middleware.arca"],
        annotations: { lang: "pl" }
      })
      const deadline = dator?.rounds[0]?.deadline_ms ?? 0
      expect(deadline).toBeGreaterThan(0)
      expect(deadline).toBeLessThanOrEqual(30_000)
      // The trace is kept, queryable by correlation id.
      const kept = yield* node.store.byCorrelation("order-two-modules")
      expect(kept).toHaveLength(1)
      expect(kept[0]?.executors.map((e) => e.clipped.map((c) => `${c.path}:${c.reason}`))).toEqual([
        ["response.response_id:host-owned", "order.amount:host-owned", "notes:not-granted"],
        []
      ])
    }).pipe(quiet))

  it.scopedLive("return stops the chain with the patched payload; the next module is never invoked", () =>
    Effect.gen(function*() {
      const node = yield* startChain([
        chainEntry("first", ["service.execute"], [decision("return", { patch: { response: { content: "cached answer" } } })]),
        chainEntry("second", ["service.execute"], [decision("reject", { reason: "must not run" })])
      ])
      const result = yield* node.runner.runHook("service.execute", order, { correlationId: correlation() })
      expect(result.outcome).toBe("returned")
      expect(result.reason).toBe("scripted return")
      expect(result.payload["response"]).toEqual({ content: "cached answer" })
      expect(result.trace.executors.map((e) => e.executor_id)).toEqual(["first"])
    }).pipe(quiet))

  it.scopedLive("reject stops the chain as rejected; defer passes to the next executor", () =>
    Effect.gen(function*() {
      const node = yield* startChain([
        chainEntry("undecided", ["service.execute"], [decision("defer", { annotations: { ignored: true } })]),
        chainEntry("gate", ["service.execute"], [decision("reject", { reason: "no budget for this order" })])
      ])
      const result = yield* node.runner.runHook("service.execute", order, { correlationId: correlation() })
      expect(result.outcome).toBe("rejected")
      expect(result.reason).toBe("no budget for this order")
      expect(result.annotations).toEqual({})
      expect(result.trace.executors.map((e) => [e.executor_id, e.decision])).toEqual([["undecided", "defer"], ["gate", "reject"]])
      expect(result.trace.executors[0]?.rounds[0]?.ignored).toEqual(["annotations"])
    }).pipe(quiet))

  it.scopedLive("a decision the hook does not admit and a malformed decision are executor failures (fail_closed)", () =>
    Effect.gen(function*() {
      const node = yield* startChain([
        chainEntry("dropper", ["service.execute"], [decision("drop")]),
        chainEntry("garbled", ["service.publish"], [{ schema_version: "middleware-decision.v1", decision: "maybe" }]),
        chainEntry("text", ["workflow.event"], ["this is not JSON"])
      ])
      const dropped = yield* node.runner.runHook("service.execute", order, { correlationId: correlation() })
      expect(dropped.outcome).toBe("failed")
      expect(dropped.payload).toEqual(order)
      expect(dropped.trace.executors[0]).toMatchObject({ status: "failed", error: { kind: "not-admitted" } })
      expect(dropped.reason).toContain("\"drop\", which hook \"service.execute\" does not admit")

      const offer = { offer: { offer_id: "offer-1", service_type: "redaction" } }
      const garbled = yield* node.runner.runHook("service.publish", offer, { correlationId: correlation() })
      expect(garbled.outcome).toBe("failed")
      expect(garbled.trace.executors[0]?.error?.kind).toBe("malformed-decision")
      expect(garbled.trace.executors[0]?.error?.message).toContain("maybe")

      const event = { workflow: { run_id: "run-1" }, event: { kind: "phase-completed" } }
      const text = yield* node.runner.runHook("workflow.event", event, { correlationId: correlation() })
      expect(text.trace.executors[0]?.error).toMatchObject({ kind: "malformed-decision", message: expect.stringContaining("not JSON") })
    }).pipe(quiet))

  it.scopedLive("a module that is down, under each failure policy", () =>
    Effect.gen(function*() {
      const policies = {
        "t.closed": "fail_closed",
        "t.open": "fail_open",
        "t.reject": { fallback: { decision: "reject", reason: "the checker is down" } },
        "t.allow": { fallback: { decision: "annotate", annotations: { checked: false } } }
      }
      const hooks = Object.fromEntries(
        Object.entries(policies).map(([name, failure_policy]) => [name, { admits: ["allow", "annotate", "reject"], failure_policy }])
      )
      const names = Object.keys(policies)
      const node = yield* startChain([
        chainEntry("checker", names, [decision("allow")]),
        chainEntry("after", names, [decision("annotate", { annotations: { after: true } })])
      ], hooks)
      yield* node.supervisor.stop("checker")
      const run = (hook: string) => node.runner.runHook(hook, { text: "hi" }, { correlationId: correlation() })

      const closed = yield* run("t.closed")
      expect(closed.outcome).toBe("failed")
      expect(closed.trace.executors.map((e) => e.executor_id)).toEqual(["checker"])
      expect(closed.trace.executors[0]).toMatchObject({ status: "failed", error: { kind: "not-ready" } })
      expect(closed.reason).toContain("module checker is stopped")

      const open = yield* run("t.open")
      expect(open.outcome).toBe("completed")
      expect(open.annotations).toEqual({ after: true })
      expect(open.trace.executors.map((e) => e.status)).toEqual(["skipped", "applied"])

      const rejected = yield* run("t.reject")
      expect(rejected.outcome).toBe("rejected")
      expect(rejected.reason).toBe("the checker is down")
      expect(rejected.trace.executors[0]).toMatchObject({ status: "fallback", decision: "reject", error: { kind: "not-ready" } })

      const annotated = yield* run("t.allow")
      expect(annotated.outcome).toBe("completed")
      expect(annotated.annotations).toEqual({ checked: false, after: true })
    }).pipe(quiet))

  it.scopedLive("a module slower than the hook's deadline times out and its turn is discarded", () =>
    Effect.gen(function*() {
      const node = yield* startChain([
        chainEntry("slow", ["t.quick"], [{ sleep_ms: 2_000, then: decision("rewrite", { patch: { text: "late" } }) }], {
          stop: { grace_ms: 200 }
        })
      ], { "t.quick": { admits: ["allow", "rewrite"], failure_policy: "fail_open", deadline_ms: 150, writable: ["text"] } })
      const result = yield* node.runner.runHook("t.quick", { text: "on time" }, { correlationId: correlation() })
      expect(result.outcome).toBe("completed")
      expect(result.payload).toEqual({ text: "on time" })
      expect(result.trace.executors[0]).toMatchObject({ status: "skipped", error: { kind: "timeout" } })
      expect(result.trace.executors[0]?.rounds[0]?.deadline_ms).toBeLessThanOrEqual(150)
    }).pipe(quiet))

  it.scopedLive("strict hooks refuse a partly forbidden patch; a patch breaking the payload schema is refused", () =>
    Effect.gen(function*() {
      const node = yield* startChain([
        chainEntry("dator", ["service.execute"], [decision("rewrite", { patch: { response: { content: "x", response_id: "forged" } } })]),
        chainEntry("wild", ["service.publish"], [decision("rewrite", { patch: { offer: { pricing: { amount: -5, currency: "ORC" } } } })])
      ], { "service.execute": { mutation_policy: "strict" } })
      const strict = yield* node.runner.runHook("service.execute", order, { correlationId: correlation() })
      expect(strict.outcome).toBe("failed")
      expect(strict.payload).toEqual(order)
      expect(strict.trace.executors[0]).toMatchObject({
        error: { kind: "forbidden-mutation" },
        clipped: [{ path: "response.response_id", reason: "host-owned" }]
      })
      const offer = { offer: { offer_id: "offer-1", service_type: "redaction" } }
      const invalid = yield* node.runner.runHook("service.publish", offer, { correlationId: correlation() })
      expect(invalid.payload).toEqual(offer)
      expect(invalid.trace.executors[0]?.error?.kind).toBe("payload-invalid")
      expect(invalid.trace.executors[0]?.error?.message).toContain("payload.offer.pricing.amount")
    }).pipe(quiet))

  it.scopedLive("intents run only with a grant; results come back in the next envelope when the module asks", () =>
    Effect.gen(function*() {
      const node = yield* startChain([
        chainEntry("dator", ["service.execute"], [
          decision("allow", {
            next_step: "collect",
            intents: [
              { intent_id: "draft", capability: "inquirium.request", input: { prompt: "$env.payload.request.input.text" } },
              { intent_id: "save", capability: "workspace.stage", input: { path: "drafts/order-1.txt", content: "draft" } },
              { intent_id: "buy", capability: "procurement.order", input: { offer_id: "offer-9" } },
              { intent_id: "escape", capability: "workspace.stage", input: { path: "../../etc/x", content: "no" } }
            ]
          }),
          decision("rewrite", { patch: { response: { content: "$env.intent_results.0.result.text" } } })
        ], { grants: ["inquirium.request", "workspace.stage"] }),
        chainEntry("arca", ["service.execute"], [
          decision("allow", { intents: [{ intent_id: "sneak", capability: "inquirium.request", input: { prompt: "hi" } }] })
        ])
      ])
      const result = yield* node.runner.runHook("service.execute", order, { correlationId: correlation() })
      expect(result.outcome).toBe("completed")
      const [dator, arca] = result.trace.executors
      expect(dator?.rounds.map((r) => r.decision)).toEqual(["allow", "rewrite"])
      expect(dator?.intents.map((i) => [i.intent_id, i.status])).toEqual([["draft", "ok"], ["save", "ok"]])
      expect(dator?.rejected_intents.map((r) => r.intent_id)).toEqual(["buy", "escape"])
      expect(dator?.rejected_intents[0]?.reason).toContain("\"procurement.order\" is not granted to module fixture-dator")
      expect(dator?.rejected_intents[1]?.reason).toContain("path traversal is refused")
      // Round two saw every result, rejected ones included, and used the model's answer.
      const results = seenOf(dator, 1)
      expect(results).toMatchObject({
        intent_results: [
          { intent_id: "draft", status: "ok" },
          { intent_id: "save", status: "ok", result: { path: "drafts/order-1.txt", bytes: 5 } },
          { intent_id: "buy", status: "rejected" },
          { intent_id: "escape", status: "rejected" }
        ]
      })
      const response = result.payload["response"]
      expect(JSON.stringify(response)).toContain("[deterministic")
      expect(JSON.stringify(response)).toContain("] Ala ma kota")
      expect(Fs.readFileSync(Path.join(node.dataDir, "workspace", "dator", "drafts", "order-1.txt"), "utf8")).toBe("draft")
      // A module without the grant gets nothing run.
      expect(arca?.intents).toEqual([])
      expect(arca?.rejected_intents[0]).toMatchObject({ intent_id: "sneak", reason: expect.stringContaining("not granted") })
    }).pipe(quiet))

  it.scopedLive("a module that loops on next_step stops at max_rounds; its turn is discarded", () =>
    Effect.gen(function*() {
      const node = yield* startChain([
        chainEntry("looper", ["service.execute"], [decision("rewrite", { patch: { response: { content: "again" } }, next_step: "more" })]),
        chainEntry("next", ["service.execute"], [decision("allow")])
      ], { "service.execute": { max_rounds: 3 } })
      const result = yield* node.runner.runHook("service.execute", order, { correlationId: correlation() })
      const looper = result.trace.executors[0]
      expect(looper?.rounds.map((r) => r.hop)).toEqual([0, 1, 2])
      expect(seenField(looper, "call")).toEqual([1, 2, 3])
      expect(looper).toMatchObject({ status: "failed", error: { kind: "rounds-exhausted" } })
      expect(result.outcome).toBe("failed")
      expect(result.payload).toEqual(order)
      // Every round's envelope carried the same component path: one turn, one hop each.
      expect(seenField(looper, "component_path")).toEqual([
        ["middleware.looper"],
        ["middleware.looper"],
        ["middleware.looper"]
      ])
    }).pipe(quiet))

  it.scopedLive("a payload that does not match the hook's schema, or an unknown hook, runs nothing", () =>
    Effect.gen(function*() {
      const node = yield* startChain([chainEntry("dator", ["service.execute"], [decision("allow")])])
      const invalid = yield* Effect.flip(node.runner.runHook("service.execute", { order: { order_id: "x" } }))
      expect(invalid._tag).toBe("PayloadInvalid")
      expect(invalid.message).toContain("payload.order.service_type")
      const unknown = yield* Effect.flip(node.runner.runHook("service.exec", order))
      expect(unknown._tag).toBe("UnknownHook")
      expect(node.runner.executorsOf("service.execute")).toEqual(["dator"])
      expect(node.runner.executorsOf("audit")).toEqual([])
      const empty = yield* node.runner.runHook("audit", {})
      expect(empty).toMatchObject({ outcome: "completed", payload: {}, trace: { executors: [] } })
    }).pipe(quiet))
})
