import { describe, expect, it } from "@effect/vitest"
import { canonicalJson, isJsonValue, JsonValue } from "../../src/resilience/CanonicalJson.js"

/** The same value with every object's keys in reverse order. */
const reversed = (value: JsonValue): JsonValue => {
  if (Array.isArray(value)) return value.map(reversed)
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reversed(v)]))
  }
  return value
}

describe("canonicalJson", () => {
  it("sorts keys at every depth and drops whitespace", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: "x" } })).toBe(
      `{"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}`
    )
  })

  it("follows JSON.stringify for values JSON cannot hold", () => {
    expect(canonicalJson({ a: undefined, b: () => 1, c: Number.NaN, d: [undefined] })).toBe(`{"c":null,"d":[null]}`)
    expect(canonicalJson(undefined)).toBe("null")
    expect(canonicalJson(new Date(0))).toBe(`"1970-01-01T00:00:00.000Z"`)
    expect(canonicalJson(10n)).toBe(`"10"`)
  })

  it("does not loop on cycles", () => {
    const cyclic: Record<string, unknown> = { a: 1 }
    cyclic["self"] = cyclic
    expect(canonicalJson(cyclic)).toBe(`{"a":1,"self":"[Circular]"}`)
  })

  it("keeps a shared (non-cyclic) object at each place it appears", () => {
    const shared = { x: 1 }
    expect(canonicalJson({ a: shared, b: shared })).toBe(`{"a":{"x":1},"b":{"x":1}}`)
  })

  it.prop("key order does not change the text", [JsonValue], ([value]) => {
    expect(canonicalJson(reversed(value))).toBe(canonicalJson(value))
  })

  it.prop("the text is JSON of the same value, and canonical again once parsed", [JsonValue], ([value]) => {
    const text = canonicalJson(value)
    const parsed: unknown = JSON.parse(text)
    expect(isJsonValue(parsed)).toBe(true)
    expect(canonicalJson(parsed)).toBe(text)
  })
})
