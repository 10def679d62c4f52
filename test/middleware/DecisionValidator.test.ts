/**
 * Host validation of one decision (CONTRACTS §2.3 steps 1-5): unit cases per step, and properties
 * with generated payloads, decisions and registries: host-owned fields never change, the applied patch
 * writes only granted paths, the result always matches the payload schema, and a strict hook never
 * applies a partly forbidden patch.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc, Option, Schema } from "effect"
import type { DecisionKind, MiddlewareDecision } from "../../src/contract/Decision.js"
import { type Accepted, decode, type Rejected, validate, type ValidationInput } from "../../src/middleware/DecisionValidator.js"
import * as FieldRegistry from "../../src/middleware/FieldRegistry.js"
import { type Hook, payloadCheckOf } from "../../src/middleware/Hook.js"
import * as JsonPath from "../../src/middleware/JsonPath.js"
import { equals, getAt, isObject, type Json, type JsonObject } from "../../src/middleware/MergePatch.js"

const kinds: ReadonlyArray<DecisionKind> = ["allow", "annotate", "rewrite", "route", "return", "drop", "defer", "reject"]

const Payload = Schema.Struct({
  summary: Schema.optional(Schema.String),
  offer: Schema.optional(Schema.Struct({ pricing: Schema.optional(Schema.Number), title: Schema.optional(Schema.String) }))
})

const registryOf = (spec: FieldRegistry.FieldRegistrySpec) => Either.getOrThrow(FieldRegistry.make(spec))

const hookOf = (overrides: Partial<Hook> = {}): Hook => ({
  name: "test.hook",
  description: "a hook for tests",
  builtin: false,
  admits: kinds,
  checkPayload: payloadCheckOf(Payload),
  failurePolicy: "fail_closed",
  mutationPolicy: "clip",
  deadlineMs: 1_000,
  maxRounds: 8,
  fields: registryOf({ hook: "test.hook", writable: ["summary", "offer.pricing", "offer.title"] }),
  ...overrides
})

const decisionOf = (kind: DecisionKind, extra: Partial<MiddlewareDecision> = {}): MiddlewareDecision => ({
  schema_version: "middleware-decision.v1",
  decision: kind,
  reason: "test",
  ...extra
})

const inputOf = (overrides: Partial<ValidationInput>): ValidationInput => ({
  hook: hookOf(),
  executorId: "dator",
  moduleId: "orbiplex-dator",
  grants: ["inquirium.request"],
  payload: { summary: "old", offer: { pricing: 10, signature: "sig" } },
  decision: decisionOf("allow"),
  checkIntent: (capability, input) =>
    capability !== "inquirium.request"
      ? Option.some(`no capability ${capability}`)
      : isObject(input) && typeof input["prompt"] === "string"
      ? Option.none()
      : Option.some("input.prompt: is missing"),
  ...overrides
})

const accepted = (result: Accepted | Rejected): Accepted => {
  if (result._tag !== "Accepted") throw new Error(`expected Accepted, got ${result.kind}: ${result.message}`)
  return result
}
const refused = (result: Accepted | Rejected): Rejected => {
  if (result._tag !== "Rejected") throw new Error("expected Rejected")
  return result
}

describe("DecisionValidator steps", () => {
  it("step 1: a malformed decision is refused with the field named", () => {
    const result = decode({ schema_version: "middleware-decision.v1", decision: "maybe" }, "dator")
    expect(Either.isLeft(result)).toBe(true)
    if (Either.isLeft(result)) {
      expect(result.left.kind).toBe("malformed-decision")
      expect(result.left.message).toContain("decision")
      expect(result.left.message).toContain("maybe")
    }
    expect(Either.isRight(decode(decisionOf("allow"), "dator"))).toBe(true)
  })

  it("step 2: a decision the hook does not admit is refused", () => {
    const result = refused(validate(inputOf({ hook: hookOf({ admits: ["allow"] }), decision: decisionOf("reject") })))
    expect(result.kind).toBe("not-admitted")
    expect(result.message).toContain("\"reject\", which hook \"test.hook\" does not admit (it admits allow)")
  })

  it("step 3 (clip): forbidden parts are removed and reported, the rest applies", () => {
    const result = accepted(validate(inputOf({
      decision: decisionOf("rewrite", { patch: { summary: "new", offer: { signature: "forged", pricing: 12 }, extra: 1 } })
    })))
    expect(result.payload).toEqual({ summary: "new", offer: { pricing: 12, signature: "sig" } })
    expect(result.clipped).toEqual([
      { path: "offer.signature", reason: "host-owned" },
      { path: "extra", reason: "not-granted" }
    ])
  })

  it("step 3 (strict): a partly forbidden patch refuses the whole decision", () => {
    const result = refused(validate(inputOf({
      hook: hookOf({ mutationPolicy: "strict" }),
      decision: decisionOf("rewrite", { patch: { summary: "new", extra: 1 } })
    })))
    expect(result.kind).toBe("forbidden-mutation")
    expect(result.clipped).toEqual([{ path: "extra", reason: "not-granted" }])
    expect(result.message).toContain("extra (not-granted)")
  })

  it("step 3: per-module grants apply only to that module", () => {
    const hook = hookOf({ fields: registryOf({ writable: [], byModule: { "orbiplex-dator": ["summary"] } }) })
    const patch = { summary: "new" }
    expect(accepted(validate(inputOf({ hook, decision: decisionOf("rewrite", { patch }) }))).payload["summary"]).toBe("new")
    const other = accepted(validate(inputOf({ hook, moduleId: "orbiplex-arca", decision: decisionOf("rewrite", { patch }) })))
    expect(other.payload["summary"]).toBe("old")
    expect(other.clipped).toEqual([{ path: "summary", reason: "not-granted" }])
  })

  it("step 4: a patch that breaks the payload schema is refused and the payload stays", () => {
    const result = refused(validate(inputOf({ decision: decisionOf("rewrite", { patch: { offer: { pricing: "ten" } } }) })))
    expect(result.kind).toBe("payload-invalid")
    expect(result.message).toContain("payload.offer.pricing")
  })

  it("only rewrite and return patch the payload; a patch on other kinds is ignored and said so", () => {
    for (const kind of ["allow", "annotate", "defer", "reject"] as const) {
      const result = accepted(validate(inputOf({ decision: decisionOf(kind, { patch: { summary: "new" } }) })))
      expect(result.payload["summary"]).toBe("old")
      expect(result.ignored).toContain("patch")
    }
    const returned = accepted(validate(inputOf({ decision: decisionOf("return", { patch: { summary: "final" } }) })))
    expect(returned.payload["summary"]).toBe("final")
    const deferred = accepted(validate(inputOf({ decision: decisionOf("defer", { annotations: { a: 1 } }) })))
    expect(deferred.annotations).toBeUndefined()
    expect(deferred.ignored).toEqual(["annotations"])
  })

  it("step 5: intents need a grant, a known capability, a matching input and a unique id", () => {
    const result = accepted(validate(inputOf({
      decision: decisionOf("allow", {
        intents: [
          { intent_id: "ok", capability: "inquirium.request", input: { prompt: "hi" } },
          { intent_id: "ok", capability: "inquirium.request", input: { prompt: "again" } },
          { intent_id: "bad-input", capability: "inquirium.request", input: {} },
          { intent_id: "not-granted", capability: "procurement.order", input: {} }
        ]
      })
    })))
    expect(result.intents.map((i) => i.intent_id)).toEqual(["ok"])
    expect(result.rejectedIntents.map((r) => [r.intent_id, r.reason])).toEqual([
      ["ok", expect.stringContaining("used twice")],
      ["bad-input", "input.prompt: is missing"],
      ["not-granted", expect.stringContaining("\"procurement.order\" is not granted to module orbiplex-dator (executor dator)")]
    ])
  })
})

// ---- properties ----

const keyPool = ["summary", "offer", "pricing", "title", "signature", "a", "secret", "trace", "provider_id", "x"] as const

const jsonTree = (depth: number): fc.Arbitrary<Json> =>
  depth === 0
    ? fc.oneof(fc.constant(null), fc.boolean(), fc.integer({ min: -5, max: 5 }), fc.constantFrom("s", "t"))
    : fc.oneof(
      { weight: 2, arbitrary: jsonTree(0) },
      { weight: 3, arbitrary: fc.dictionary(fc.constantFrom(...keyPool), jsonTree(depth - 1), { maxKeys: 4 }) }
    )

const objectTree: fc.Arbitrary<JsonObject> = fc.dictionary(fc.constantFrom(...keyPool), jsonTree(2), { maxKeys: 5 })

const patternPool = ["summary", "offer.pricing", "offer.title", "offer", "a", "a.*", "x.secret", "*.title"]

const registryArbitrary = fc.record({
  writable: fc.subarray(patternPool),
  mine: fc.subarray(patternPool),
  hostOwned: fc.subarray(["a.secret", "offer.pricing", "x"])
}).map(({ hostOwned, mine, writable }) =>
  // `make`, not `fromSpec`: grants are left unvalidated on purpose, since host-owned must win regardless.
  registryOf({ writable, byModule: { m1: mine }, hostOwned })
)

/** Concrete paths in `value` that `pattern` matches. */
const expand = (value: Json, segments: ReadonlyArray<JsonPath.PatternSegment>): Array<Array<string>> => {
  const out: Array<Array<string>> = []
  const walk = (node: Json | undefined, at: number, path: Array<string>) => {
    if (at === segments.length) {
      out.push(path)
      return
    }
    if (!isObject(node)) return
    const segment = segments[at]
    const keys = segment === JsonPath.Any ? Object.keys(node) : segment !== undefined && Object.hasOwn(node, segment) ? [segment] : []
    for (const key of keys) walk(node[key], at + 1, [...path, key])
  }
  walk(value, 0, [])
  return out
}

/**
 * The minimal paths where `a` and `b` differ. A merge patch creates the objects on the way to what it
 * writes, so a new non-empty object counts by what is inside it.
 */
const changedPaths = (a: Json | undefined, b: Json | undefined, path: Array<string> = []): Array<Array<string>> => {
  if (a === undefined && isObject(b) && Object.keys(b).length > 0) return changedPaths({}, b, path)
  if (isObject(a) && isObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)])
    return [...keys].flatMap((key) =>
      changedPaths(Object.hasOwn(a, key) ? a[key] : undefined, Object.hasOwn(b, key) ? b[key] : undefined, [...path, key])
    )
  }
  if (a === undefined && b === undefined) return []
  if (a !== undefined && b !== undefined && equals(a, b)) return []
  return [path]
}

const granted = (registry: FieldRegistry.FieldRegistry, moduleId: string, path: ReadonlyArray<string>) =>
  [...registry.writable, ...(registry.byModule.get(moduleId) ?? [])].some((grant) => JsonPath.covers(grant.segments, path))

const scenario = fc.record({
  payload: objectTree,
  patch: objectTree,
  kind: fc.constantFrom(...kinds),
  registry: registryArbitrary,
  moduleId: fc.constantFrom("m1", "m2"),
  strict: fc.boolean()
})

describe("DecisionValidator properties", () => {
  const hostOwnedOf = (registry: FieldRegistry.FieldRegistry) => registry.hostOwned

  it.prop(
    "host-owned fields never change, only granted paths change, the payload still matches its schema",
    [scenario],
    ([{ kind, moduleId, patch, payload, registry, strict }]) => {
      const hook = hookOf({ fields: registry, mutationPolicy: strict ? "strict" : "clip" })
      if (hook.checkPayload(payload).length > 0) return true
      const result = validate(inputOf({ hook, moduleId, payload, decision: decisionOf(kind, { patch }) }))
      if (result._tag === "Rejected") return true
      const after = result.payload
      for (const owned of hostOwnedOf(registry)) {
        const paths = [...expand(payload, owned.segments), ...expand(after, owned.segments)]
        for (const path of paths) {
          const before = getAt(payload, path)
          const now = getAt(after, path)
          expect(before === undefined ? now === undefined : now !== undefined && equals(before, now)).toBe(true)
        }
      }
      for (const path of changedPaths(payload, after)) expect(granted(registry, moduleId, path)).toBe(true)
      expect(hook.checkPayload(after)).toEqual([])
      return true
    },
    { fastCheck: { numRuns: 400 } }
  )

  it.prop(
    "a strict hook never applies a patch any part of which is forbidden",
    [scenario],
    ([{ kind, moduleId, patch, payload, registry }]) => {
      const hook = hookOf({ fields: registry, mutationPolicy: "strict" })
      if (hook.checkPayload(payload).length > 0) return true
      const result = validate(inputOf({ hook, moduleId, payload, decision: decisionOf(kind, { patch }) }))
      const forbidden = FieldRegistry.clip(registry, patch, moduleId, payload).clipped.length > 0
      if (forbidden && (kind === "rewrite" || kind === "return")) {
        expect(result._tag).toBe("Rejected")
        if (result._tag === "Rejected") expect(result.kind).toBe("forbidden-mutation")
      }
      if (result._tag === "Accepted") expect(result.clipped).toEqual([])
      return true
    },
    { fastCheck: { numRuns: 400 } }
  )

  it.prop(
    "a refused decision carries nothing to apply, an accepted one always an object payload",
    [Schema.Literal(...kinds), Schema.Boolean],
    ([kind, strict]) => {
      const result = validate(inputOf({
        hook: hookOf({ mutationPolicy: strict ? "strict" : "clip", admits: ["allow", "rewrite"] }),
        decision: decisionOf(kind, { patch: { trace: { hop: 99 }, summary: "x" } })
      }))
      if (result._tag === "Accepted") expect(isObject(result.payload)).toBe(true)
      else expect("payload" in result).toBe(false)
    }
  )
})
