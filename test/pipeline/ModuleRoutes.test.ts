/**
 * `on_error` as a step type: the variant signatures the checker sees, as properties over types.
 */
import { describe, expect, it } from "@effect/vitest"
import { FastCheck } from "effect"
import { outputUnder, parseVariant, variantName } from "../../src/pipeline/ModuleRoutes.js"
import { arbitrary, conforms, isSubtype } from "../../src/typelang/TypeCheck.js"
import type { TypeNode } from "../../src/typelang/TypeLanguage.js"
import * as T from "../../src/typelang/TypeLanguage.js"

const leaf = FastCheck.constantFrom<TypeNode>(T.string, T.int, T.float, T.boolean)
const { type } = FastCheck.letrec<{ type: TypeNode }>((tie) => ({
  type: FastCheck.oneof(
    { maxDepth: 3, depthIdentifier: "type" },
    leaf,
    tie("type").map(T.list),
    tie("type").map(T.optional),
    FastCheck.dictionary(FastCheck.constantFrom("a", "b", "text", "n"), tie("type"), { maxKeys: 3 }).map((fields): TypeNode => T.record(fields))
  )
}))
const recordType = FastCheck.dictionary(FastCheck.constantFrom("a", "b", "text"), type, { minKeys: 1, maxKeys: 3 }).map(T.record)

describe("on_error variants", () => {
  it("name the module and the mode, and read back", () => {
    expect(variantName("Sentiment", "skip")).toBe("Sentiment (on_error: skip)")
    expect(variantName("Sentiment", "propagate")).toBe("Sentiment")
    expect(parseVariant("Sentiment (on_error: wrap)")).toEqual({ module: "Sentiment", mode: "wrap" })
    expect(parseVariant("Sentiment")).toEqual({ module: "Sentiment", mode: "propagate" })
  })

  it.prop("skip: every output is still a value, and so is the empty record a failed call gives", [recordType], ([output]) => {
    const skipped = outputUnder(output, "skip")
    expect(isSubtype(output, skipped)).toBe(true)
    expect(conforms(skipped, {})).toBe(true)
    FastCheck.assert(FastCheck.property(arbitrary(output), (value) => conforms(skipped, value)), { numRuns: 10 })
  })

  it.prop("wrap: { ok: true, value } for a value, { ok: false, error } for an error", [type], ([output]) => {
    const wrapped = outputUnder(output, "wrap")
    FastCheck.assert(FastCheck.property(arbitrary(output), (value) => conforms(wrapped, { ok: true, value })), { numRuns: 10 })
    expect(conforms(wrapped, { ok: false, error: { tag: "Timeout", message: "slow" } })).toBe(true)
    expect(conforms(wrapped, { ok: "yes" })).toBe(false)
  })

  it.prop("skip of a type that is not a record makes the whole output optional", [type.filter((t) => t._tag !== "Record")], ([output]) => {
    expect(conforms(outputUnder(output, "skip"), null)).toBe(true)
  })
})
