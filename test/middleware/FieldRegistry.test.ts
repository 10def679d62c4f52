import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc } from "effect"
import * as FieldRegistry from "../../src/middleware/FieldRegistry.js"
import * as JsonPath from "../../src/middleware/JsonPath.js"
import { apply, equals, getAt, isJson, isObject, type Json, type JsonObject, leafPaths } from "../../src/middleware/MergePatch.js"

const registryOf = (spec: FieldRegistry.FieldRegistrySpec): FieldRegistry.FieldRegistry =>
  Either.getOrThrowWith(FieldRegistry.make(spec), (error) => new Error(error.message))

const obj = (text: string): JsonObject => {
  const value: unknown = JSON.parse(text)
  if (!isJson(value) || !isObject(value)) throw new Error(text)
  return value
}

const sameValue = (a: Json | undefined, b: Json | undefined) =>
  a === undefined || b === undefined ? a === b : equals(a, b)

// Every node of a JSON value, as paths from the root (the root excluded).
const allPaths = (value: Json): Array<ReadonlyArray<string>> => {
  const out: Array<ReadonlyArray<string>> = []
  const walk = (node: Json, prefix: ReadonlyArray<string>) => {
    if (!isObject(node)) return
    for (const key of Object.keys(node)) {
      const path = [...prefix, key]
      out.push(path)
      walk(node[key] ?? null, path)
    }
  }
  walk(value, [])
  return out
}

const publish = registryOf({
  hook: "service.publish",
  writable: ["offer.pricing.*", "offer.description", "summary"],
  byModule: { "orbiplex-dator": ["offer.terms"] }
})

describe("FieldRegistry.validateGrants", () => {
  it("keeps trace and identity, signature and host-computed fields host-owned by default", () => {
    expect(FieldRegistry.DefaultHostOwned).toContain("trace")
    expect(FieldRegistry.DefaultHostOwned).toContain("*.signature")
    expect(FieldRegistry.DefaultHostOwned).toContain("*.provider_id")
    expect(FieldRegistry.DefaultHostOwned).toContain("signature")
  })

  it("accepts grants that stay clear of host-owned paths", () => {
    expect(Either.isRight(FieldRegistry.validateGrants(publish))).toBe(true)
    const result = FieldRegistry.fromSpec({ writable: ["response.content", "offer.pricing.*", "summary"] })
    expect(Either.isRight(result)).toBe(true)
  })

  it.each([
    ["trace.hop", "trace"],
    ["trace", "trace"],
    ["offer.signature", "*.signature"],
    ["offer.*", "*.signature"],
    ["*", "trace"],
    ["provider_id", "provider_id"]
  ])("refuses grant %j, naming host-owned %j", (grant, owned) => {
    const result = FieldRegistry.fromSpec({ hook: "service.execute", writable: [grant] })
    expect(Either.isLeft(result)).toBe(true)
    if (Either.isLeft(result)) {
      expect(result.left._tag).toBe("GrantOverlapsHostOwned")
      expect(result.left.message).toContain(`grant ${JSON.stringify(grant)}`)
      expect(result.left.message).toContain(`grant ${JSON.stringify(grant)} overlaps host-owned`)
      expect(result.left.message).toContain(JSON.stringify(owned))
      expect(result.left.message).toContain(`hook "service.execute"`)
    }
  })

  it("refuses a grant above a host-owned path the hook spells out, and names the module", () => {
    const result = FieldRegistry.fromSpec({
      writable: [],
      byModule: { arca: ["offer"] },
      hostOwned: ["offer.amount"]
    })
    expect(Either.isLeft(result)).toBe(true)
    if (Either.isLeft(result) && result.left._tag === "GrantOverlapsHostOwned") {
      expect(result.left.overlaps).toStrictEqual([{ grant: "offer", host_owned: "offer.amount", module_id: "arca" }])
      expect(result.left.message).toContain(`(module "arca")`)
    }
  })

  it("refuses a pattern that does not parse", () => {
    const result = FieldRegistry.make({ writable: ["offer..x"] })
    expect(Either.isLeft(result) && result.left._tag === "InvalidPathPattern").toBe(true)
  })
})

describe("FieldRegistry.clip", () => {
  const payload = obj(
    `{"offer":{"pricing":{"unit":"USD"},"signature":"sig","provider_id":"p"},"summary":"old","trace":{"hop":1}}`
  )
  const patch = obj(
    `{"offer":{"pricing":{"unit":"EUR","amount":3},"description":"x","signature":"forged","terms":"t"},` +
      `"trace":{"hop":9},"summary":"new","other":1}`
  )

  it("keeps granted writes and removes the rest, saying why", () => {
    const { allowed, clipped } = FieldRegistry.clip(publish, patch, undefined, payload)
    expect(allowed).toStrictEqual(obj(`{"offer":{"pricing":{"unit":"EUR","amount":3},"description":"x"},"summary":"new"}`))
    expect(clipped.map(({ path, reason }) => ({ path, reason }))).toStrictEqual([
      { path: "offer.signature", reason: "host-owned" },
      { path: "offer.terms", reason: "not-granted" },
      { path: "trace.hop", reason: "host-owned" },
      { path: "other", reason: "not-granted" }
    ])
    expect(clipped[0]?.segments).toStrictEqual(["offer", "signature"])
  })

  it("adds a module's own grants", () => {
    const { allowed } = FieldRegistry.clip(publish, patch, "orbiplex-dator", payload)
    expect(isObject(allowed) && isObject(allowed["offer"]) && allowed["offer"]["terms"]).toBe("t")
    expect(FieldRegistry.isAllowed(publish, ["offer", "terms"], "orbiplex-dator")).toBe(true)
    expect(FieldRegistry.isAllowed(publish, ["offer", "terms"], "someone-else")).toBe(false)
  })

  it("counts a delete as a write", () => {
    const { allowed, clipped } = FieldRegistry.clip(publish, obj(`{"offer":{"signature":null,"description":null}}`))
    expect(allowed).toStrictEqual(obj(`{"offer":{"description":null}}`))
    expect(clipped).toStrictEqual([{ path: "offer.signature", segments: ["offer", "signature"], reason: "host-owned" }])
  })

  it("refuses replacing a value that holds a host-owned field, and anything such a field could lie under without a target", () => {
    const target = obj(`{"summary":{"signature":"s"},"note":"n"}`)
    const registry = registryOf({ writable: ["summary", "note"] })
    const replace = obj(`{"summary":"flat","note":"m"}`)
    expect(FieldRegistry.clip(registry, replace, undefined, target).clipped).toStrictEqual([
      { path: "summary", segments: ["summary"], reason: "host-owned" }
    ])
    // Blind, "note" might hold a `note.signature`: refused too.
    expect(FieldRegistry.clip(registry, replace).clipped.map((c) => c.path)).toStrictEqual(["summary", "note"])
    expect(FieldRegistry.check(registry, ["note"], undefined, target)).toBe("allowed")
    expect(FieldRegistry.check(registry, ["note"])).toBe("host-owned")
  })

  it("prunes objects left empty and returns {} when nothing is allowed", () => {
    const { allowed, clipped } = FieldRegistry.clip(publish, obj(`{"a":{"b":{"c":1}},"offer":{"x":{"y":2}}}`), undefined, {})
    expect(allowed).toStrictEqual({})
    expect(clipped.map((c) => c.path)).toStrictEqual(["a.b.c", "offer.x.y"])
  })

  it("returns the patch itself when all of it is allowed", () => {
    const ok = obj(`{"offer":{"pricing":{"unit":"EUR"},"description":"d"},"summary":"s"}`)
    const result = FieldRegistry.clip(publish, ok, undefined, payload)
    expect(result.allowed).toBe(ok)
    expect(result.clipped).toStrictEqual([])
  })

  it("refuses a non-object patch, which would replace the whole payload", () => {
    expect(FieldRegistry.clip(publish, [1, 2])).toStrictEqual({
      allowed: {},
      clipped: [{ path: "", segments: [], reason: "host-owned" }]
    })
    expect(FieldRegistry.clip(publish, {}).allowed).toStrictEqual({})
  })

  it("treats __proto__ as an ordinary key", () => {
    const registry = registryOf({ writable: ["a", "__proto__.x"] })
    const tricky = obj(`{"__proto__":{"x":1,"signature":2},"a":{"b":1}}`)
    const { allowed, clipped } = FieldRegistry.clip(registry, tricky, undefined, {})
    expect(Object.getPrototypeOf(allowed)).toBe(Object.prototype)
    expect(equals(allowed, obj(`{"__proto__":{"x":1},"a":{"b":1}}`))).toBe(true)
    expect(clipped.map((c) => c.path)).toStrictEqual(["__proto__.signature"])
  })
})

// Keys chosen so that generated patches, payloads and patterns collide often, host-owned ones included.
const key = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom("a", "b", "signature", "trace") },
  { weight: 1, arbitrary: fc.constantFrom("provider_id", "__proto__", "c") }
)
const safeKey = fc.constantFrom("a", "b", "c", "d")

const patternText = fc
  .array(fc.oneof({ weight: 4, arbitrary: key }, { weight: 1, arbitrary: fc.constant("*") }), { minLength: 1, maxLength: 3 })
  .map((segments) => segments.join("."))

const registry = fc
  .record({
    writable: fc.array(patternText, { maxLength: 4 }),
    byModule: fc.record({ m1: fc.array(patternText, { maxLength: 2 }) }),
    hostOwned: fc.array(patternText, { maxLength: 2 })
  })
  .map(registryOf)

const tree = (keys: fc.Arbitrary<string>, leaf: fc.Arbitrary<Json>): fc.Arbitrary<JsonObject> =>
  fc.letrec<{ node: JsonObject }>((tie) => ({
    node: fc.dictionary(keys, fc.oneof({ depthSize: "small", maxDepth: 3 }, leaf, tie("node")), {
      maxKeys: 4,
      noNullPrototype: true
    })
  })).node

const patchLeaf: fc.Arbitrary<Json> = fc.oneof(
  fc.constant(null),
  fc.integer({ min: 0, max: 9 }),
  fc.constant("v"),
  fc.constant({}),
  fc.constant([1])
)
const payloadLeaf: fc.Arbitrary<Json> = fc.oneof(fc.integer({ min: 0, max: 9 }), fc.constant("w"), fc.constant(null), fc.constant([2]))

const moduleId = fc.constantFrom(undefined, "m1", "m2")
// Safety properties get more runs: their counterexamples need a payload, a patch and a registry to line up.
const many = { fastCheck: { numRuns: 2000 } }
const withTarget = fc.boolean()

describe("FieldRegistry.clip properties", () => {
  it.prop(
    "every leaf kept is allowed",
    [registry, tree(key, patchLeaf), tree(key, payloadLeaf), moduleId, withTarget],
    ([registry, patch, payload, module, useTarget]) => {
      const target = useTarget ? payload : undefined
      const { allowed } = FieldRegistry.clip(registry, patch, module, target)
      for (const path of leafPaths(allowed)) {
        expect(FieldRegistry.check(registry, path, module, target)).toBe("allowed")
      }
    },
    many
  )

  it.prop(
    "applying what is kept leaves every host-owned path of the payload unchanged",
    [registry, tree(key, patchLeaf), tree(key, payloadLeaf), moduleId, withTarget],
    ([registry, patch, payload, module, useTarget]) => {
      const { allowed } = FieldRegistry.clip(registry, patch, module, useTarget ? payload : undefined)
      const result = apply(payload, allowed)
      for (const path of [...allPaths(payload), ...allPaths(result)]) {
        if (registry.hostOwned.some((owned) => JsonPath.covers(owned.segments, path))) {
          expect(sameValue(getAt(payload, path), getAt(result, path))).toBe(true)
        }
      }
    },
    many
  )

  it.prop(
    "kept and clipped leaves partition the patch's leaves",
    [registry, tree(key, patchLeaf), moduleId],
    ([registry, patch, module]) => {
      const { allowed, clipped } = FieldRegistry.clip(registry, patch, module)
      const kept = leafPaths(allowed).map(JsonPath.format)
      const removed = clipped.map((c) => c.path)
      expect(new Set([...kept, ...removed]).size).toBe(kept.length + removed.length)
      expect([...kept, ...removed].sort()).toStrictEqual(leafPaths(patch).map(JsonPath.format).sort())
    },
    many
  )

  it.prop(
    "a patch whose every leaf is allowed comes back as itself",
    [tree(safeKey, patchLeaf), tree(safeKey, payloadLeaf)],
    ([patch, payload]) => {
      const registry = registryOf({ writable: leafPaths(patch).map(JsonPath.format) })
      const result = FieldRegistry.clip(registry, patch, undefined, payload)
      expect(result.clipped).toStrictEqual([])
      expect(result.allowed).toBe(patch)
    }
  )

  it.prop(
    "nothing clipped means the patch itself",
    [registry, tree(key, patchLeaf), tree(key, payloadLeaf)],
    ([registry, patch, payload]) => {
      const result = FieldRegistry.clip(registry, patch, "m1", payload)
      if (result.clipped.length === 0) expect(result.allowed).toBe(patch)
    }
  )
})
