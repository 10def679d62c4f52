/**
 * The hook registry: built-in hooks and what they admit, operator hooks from the `hooks` config
 * section, and every way a section is refused at load with the path named.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Schema } from "effect"
import { builtinHookList } from "../../src/middleware/BuiltinHooks.js"
import { HooksConfig } from "../../src/middleware/HookConfig.js"
import * as HookRegistry from "../../src/middleware/HookRegistry.js"
import { fixtureEntry } from "../support/Fixture.js"

const compile = (hooks: unknown, modules: Parameters<typeof HookRegistry.compileAll>[0]["modules"] = []) =>
  HookRegistry.compileAll({ hooks, modules })

const problemsOf = (hooks: unknown, modules: Parameters<typeof HookRegistry.compileAll>[0]["modules"] = []) =>
  Either.match(compile(hooks, modules), {
    onLeft: (error) => error.problems.map((p) => `${p.path}: ${p.message}`),
    onRight: () => []
  })

describe("built-in hooks", () => {
  it.each([
    ["pre-input", ["allow", "annotate", "rewrite", "drop"]],
    ["inbound-local", ["allow", "rewrite", "return", "reject"]],
    ["inbound-peer", ["allow", "rewrite", "return", "drop"]],
    ["inbound-broadcast", ["allow", "annotate", "rewrite", "drop", "defer"]],
    ["pre-send", ["allow", "rewrite", "drop"]],
    ["audit", ["allow"]]
  ])("%s admits exactly %j", (name, admits) => {
    const hook = builtinHookList.find((h) => h.name === name)
    expect(hook?.admits).toEqual(admits)
  })

  it("defines the service hooks, with grants that stay clear of host-owned fields", () => {
    const hooks = Either.getOrThrow(compile({}))
    expect(hooks.map((h) => h.name)).toEqual(expect.arrayContaining(["service.publish", "service.execute", "workflow.event"]))
    for (const hook of hooks) expect(hook.builtin).toBe(true)
  })

  it("checks a service.publish payload and names the field that is wrong", () => {
    const hook = Either.getOrThrow(compile({})).find((h) => h.name === "service.publish")
    expect(hook?.checkPayload({ offer: { offer_id: "o1", service_type: "redaction" } })).toEqual([])
    const problems = hook?.checkPayload({ offer: { offer_id: "o1", service_type: "redaction", pricing: { amount: -1, currency: "ORC" } } })
    expect(problems?.map((p) => p.path)).toEqual(["payload.offer.pricing.amount"])
    expect(hook?.checkPayload({})[0]?.path).toBe("payload.offer")
  })
})

describe("the hooks section", () => {
  const review = {
    "review.submit": {
      description: "a review before it is stored",
      admits: ["allow", "rewrite", "reject"],
      payload_schema: {
        type: "object",
        required: ["review"],
        properties: { review: { type: "object", properties: { score: { type: "integer", minimum: 1, maximum: 5 } } } }
      },
      failure_policy: { fallback: { decision: "reject", reason: "reviewer unavailable" } },
      mutation_policy: "strict",
      deadline_ms: 1500,
      max_rounds: 3,
      writable: ["review.text", "review.score"],
      writable_by_module: { "orbiplex-arca": ["review.tags"] },
      host_owned: ["review.author"]
    }
  }

  it("declares an operator hook with its schema, policies, deadline, rounds and registry", () => {
    const hooks = Either.getOrThrow(compile(review))
    const hook = hooks.find((h) => h.name === "review.submit")
    expect(hook).toMatchObject({
      builtin: false,
      admits: ["allow", "rewrite", "reject"],
      failurePolicy: { fallback: { decision: "reject", reason: "reviewer unavailable" } },
      mutationPolicy: "strict",
      deadlineMs: 1500,
      maxRounds: 3
    })
    expect(hook?.checkPayload({ review: { score: 4 } })).toEqual([])
    expect(hook?.checkPayload({ review: { score: 9 } }).map((p) => p.path)).toEqual(["payload.review.score"])
    expect(hook?.fields.writable.map((p) => p.text)).toEqual(["review.text", "review.score"])
    expect(hook?.fields.byModule.get("orbiplex-arca")?.map((p) => p.text)).toEqual(["review.tags"])
  })

  it("decodes idempotently (a decoded section decodes to itself)", () => {
    const once = Schema.decodeUnknownSync(HooksConfig)(review)
    expect(Schema.decodeUnknownSync(HooksConfig)(once)).toEqual(once)
  })

  it("tunes a built-in hook and keeps what it admits", () => {
    const hooks = Either.getOrThrow(compile({ "service.publish": { mutation_policy: "strict", writable: ["offer.service_type"] } }))
    const hook = hooks.find((h) => h.name === "service.publish")
    expect(hook?.mutationPolicy).toBe("strict")
    expect(hook?.admits).toEqual(["allow", "annotate", "rewrite", "reject"])
    expect(hook?.fields.writable.map((p) => p.text)).toContain("offer.service_type")
    expect(hook?.fields.writable.map((p) => p.text)).toContain("offer.pricing")
  })

  it("refuses a grant of a host-owned path at load, naming the hook, the grant and the path", () => {
    const problems = problemsOf({ "service.publish": { writable: ["offer.signature"] } })
    expect(problems).toHaveLength(1)
    expect(problems[0]).toContain("hooks[\"service.publish\"].writable")
    expect(problems[0]).toContain("grant \"offer.signature\" overlaps host-owned \"*.signature\"")
    const perModule = problemsOf({ "service.execute": { writable_by_module: { "orbiplex-dator": ["order.amount"] } } })
    expect(perModule[0]).toContain("hooks[\"service.execute\"].writable_by_module")
    expect(perModule[0]).toContain("(module \"orbiplex-dator\")")
    expect(perModule[0]).toContain("\"order\"")
    expect(problemsOf({ "x.y": { admits: ["allow"], writable: ["trace.hop"] } })[0]).toContain("overlaps host-owned \"trace\"")
  })

  it("refuses changes to what a built-in admits, a fallback the hook does not admit, a missing admits", () => {
    expect(problemsOf({ audit: { admits: ["allow", "drop"] } })[0]).toMatch(/^hooks\.audit\.admits: "audit" is a built-in hook/)
    expect(problemsOf({ "pre-send": { failure_policy: { fallback: { decision: "reject" } } } })[0]).toContain(
      "hooks.pre-send.failure_policy.fallback.decision: \"reject\" is not admitted by hook \"pre-send\""
    )
    expect(problemsOf({ "review.submit": {} })[0]).toContain("hooks[\"review.submit\"].admits: is missing")
  })

  it("refuses unknown fields and keywords, bad names and bad values, naming each", () => {
    // Names are checked once the entries themselves decode.
    expect(problemsOf({ "Bad Name": { admits: ["allow"] } })).toEqual([
      expect.stringContaining("hooks[\"Bad Name\"]: \"Bad Name\" is not a hook name")
    ])
    const problems = problemsOf({
      "review.submit": {
        admits: ["allow", "maybe"],
        payload_schema: { type: "object", pattern: "x" },
        failure_policy: "fail_sometimes",
        writable: ["a..b"],
        colour: "red"
      }
    })
    const text = problems.join("\n")
    expect(text).toContain("maybe")
    expect(text).toContain("unknown keyword \"pattern\"")
    expect(text).toContain("fail_sometimes")
    expect(text).toContain("a..b")
    expect(text).toContain("colour")
  })

  it("refuses a payload schema that does not describe an object", () => {
    expect(problemsOf({ "x.y": { admits: ["allow"], payload_schema: { type: "string" } } })[0]).toContain("payload is always a JSON object")
  })

  it("refuses a module attached to a hook that does not exist", () => {
    const problems = problemsOf({}, [fixtureEntry("a", "ok", { hooks: ["service.execute", "service.exec"] })])
    expect(problems).toEqual([expect.stringContaining("modules[0].hooks[1]: \"service.exec\" is not a hook")])
  })
})

describe("HookRegistry service", () => {
  it.effect("gets a hook by name and fails with the known names otherwise", () =>
    Effect.gen(function*() {
      const registry = yield* HookRegistry.HookRegistry
      expect((yield* registry.get("pre-send")).admits).toEqual(["allow", "rewrite", "drop"])
      const missing = yield* Effect.flip(registry.get("pre-sned"))
      expect(missing._tag).toBe("UnknownHook")
      expect(missing.message).toContain("there is no hook \"pre-sned\"")
      expect(missing.message).toContain("pre-send")
    }).pipe(Effect.provide(HookRegistry.layerBuiltin)))

  it.effect("a layer over an invalid section fails with every problem", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(HookRegistry.make({ hooks: { "x.y": {} }, modules: [] }))
      expect(error._tag).toBe("HooksInvalid")
      expect(error.message).toContain("hooks[\"x.y\"].admits")
    }))
})
