import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck, ParseResult, Schema } from "effect"
import { arbitrary, conforms, diff, formatMismatches, isSubtype, RecordTypeSchema, toSchema, TypeSchema } from "../../src/typelang/TypeCheck.js"
import type { TypeNode } from "../../src/typelang/TypeLanguage.js"
import * as T from "../../src/typelang/TypeLanguage.js"

const fieldName = FastCheck.oneof(
  FastCheck.stringMatching(/^[a-z_][a-z0-9_]{0,6}$/),
  FastCheck.constantFrom("my field", "a\"b", "x.y", "back\\slash", "1st", "é")
)

/** Generator of types, shallow enough to keep values small. */
const typeArb: FastCheck.Arbitrary<TypeNode> = FastCheck.letrec<{ type: TypeNode }>((tie) => ({
  type: FastCheck.oneof(
    { depthSize: "small", withCrossShrink: true },
    FastCheck.constantFrom(T.string, T.int, T.float, T.boolean),
    tie("type").map(T.list),
    tie("type").map(T.map),
    tie("type").map(T.optional),
    FastCheck.uniqueArray(FastCheck.tuple(fieldName, tie("type")), { maxLength: 4, selector: ([name]) => name })
      .map((fields) => T.record(Object.fromEntries(fields)))
  )
})).type

/** A supertype of `t`: fields dropped, Optional added, covariantly inside containers. */
const weaken = (t: TypeNode): FastCheck.Arbitrary<TypeNode> => {
  const inner: FastCheck.Arbitrary<TypeNode> = (() => {
    switch (t._tag) {
      case "List":
        return weaken(t.element).map(T.list)
      case "Map":
        return weaken(t.value).map(T.map)
      case "Optional":
        return weaken(t.inner).map(T.optional)
      case "Record": {
        const entries = Object.entries(t.fields)
        if (entries.length === 0) return FastCheck.constant(t)
        return FastCheck.tuple(
          ...entries.map(([name, field]) =>
            FastCheck.tuple(FastCheck.constant(name), weaken(field), FastCheck.boolean())
          )
        ).map((fields) => T.record(Object.fromEntries(fields.filter(([, , keep]) => keep).map(([n, f]) => [n, f]))))
      }
      default:
        return FastCheck.constant(t)
    }
  })()
  return FastCheck.oneof(inner, inner.map(T.optional))
}

const parse = (text: string) => Either.getOrThrow(T.parseType(text))
const syntaxError = (text: string, path = "") =>
  Either.match(T.parseType(text, path), {
    onLeft: (e) => e,
    onRight: (t) => expect.fail(`"${text}" parsed as ${T.describe(t)}`)
  })

describe("TypeLanguage parse/describe", () => {
  it("parses every form of the notation", () => {
    expect(parse("String")).toEqual(T.string)
    expect(parse(" List< Float > ")).toEqual(T.list(T.float))
    expect(parse("Map<String, Optional<Int>>")).toEqual(T.map(T.optional(T.int)))
    expect(parse("List<{ id: Int, \"display name\": String }>")).toEqual(
      T.list(T.record({ id: T.int, "display name": T.string }))
    )
    expect(parse("{}")).toEqual(T.record({}))
  })

  it("renders types back to the notation", () => {
    expect(T.describe(T.map(T.list(T.optional(T.boolean))))).toBe("Map<String,List<Optional<Boolean>>>")
    expect(T.describe(T.record({ a: T.int, "b c": T.string }))).toBe("{ a: Int, \"b c\": String }")
  })

  it.prop("describe then parse gives the same type", { type: typeArb }, ({ type }) => {
    const back = T.parseType(T.describe(type))
    expect(Either.isRight(back) && T.equals(back.right, type)).toBe(true)
  })

  it.prop("JSON notation round-trips for records", { type: typeArb }, ({ type }) => {
    const wrapped = T.record({ field: type })
    const back = T.parseSchema(JSON.parse(JSON.stringify(T.toNotation(wrapped))))
    expect(Either.isRight(back) && T.equals(back.right, wrapped)).toBe(true)
  })

  it.prop("TypeSchema encodes and decodes every type", { type: typeArb }, ({ type }) => {
    const encoded = Schema.encodeSync(TypeSchema)(type)
    expect(T.equals(Schema.decodeUnknownSync(TypeSchema)(encoded), type)).toBe(true)
  })
})

describe("TypeLanguage malformed types", () => {
  const cases: ReadonlyArray<readonly [string, number, string]> = [
    ["List<Float", 10, "\">\""],
    ["", 0, "a type"],
    ["Strin", 0, "a type"],
    ["List<>", 5, "a type"],
    ["List", 4, "\"<\""],
    ["List Float", 5, "\"<\""],
    ["Map<Int,String>", 4, "\"String\" (Map keys are always String)"],
    ["Map<String Int>", 11, "\",\""],
    ["Map<String,>", 11, "a type"],
    ["Optional<String", 15, "\">\""],
    ["String extra", 7, "the end of the type"],
    ["List<String>>", 12, "the end of the type"],
    ["List<String<Int>>", 11, "\">\""],
    ["{ a: String", 11, "\",\" or \"}\""],
    ["{ a String }", 4, "\":\""],
    ["{ a: String, a: Int }", 13, "a field name not used before"],
    ["{ : Int }", 2, "a field name"],
    ["{ a: String, }", 13, "a field name"],
    ["{ \"a: Int }", 11, "a closing \" for the field name that starts at 2"],
    ["Int<String>", 3, "the end of the type"]
  ]
  for (const [text, offset, expected] of cases) {
    it(`refuses ${JSON.stringify(text)} at ${offset}`, () => {
      const error = syntaxError(text)
      expect(error.offset).toBe(offset)
      expect(error.expected).toBe(expected)
      expect(error.source).toBe(text)
    })
  }

  it("names the field path, the offset and the text", () => {
    const error = syntaxError("List<Float", "output_schema.scores")
    expect(error.message).toMatch(/^output_schema\.scores: expected ">" at 10 in "List<Float", found end of input/)
  })

  it("hints at the case of type names", () => {
    expect(syntaxError("string").message).toContain("did you mean String?")
    expect(syntaxError("List<float>").message).toContain("did you mean Float?")
  })

  it("reports every malformed field of a schema at once, with paths", () => {
    const result = T.parseSchema({ a: "Strng", b: { c: "List<" }, "d e": 5, ok: "Int" }, "input_schema")
    const errors = Either.isLeft(result) ? result.left : []
    expect(errors.map((e) => e.path)).toEqual(["input_schema.a", "input_schema.b.c", "input_schema[\"d e\"]"])
    expect(errors[2]?.message).toContain("expected a type string such as \"String\" or a record of types, found 5")
  })

  it("refuses a malformed type inside a config schema, naming the field", () => {
    const Config = Schema.Struct({ output_schema: RecordTypeSchema })
    const result = Schema.decodeUnknownEither(Config)({ output_schema: { scores: "List<Float" } })
    expect(Either.isLeft(result)).toBe(true)
    if (Either.isLeft(result)) {
      const [issue] = ParseResult.ArrayFormatter.formatErrorSync(result.left)
      expect(issue?.path).toEqual(["output_schema"])
      expect(issue?.message).toMatch(/^scores: expected ">" at 10 in "List<Float"/)
    }
    const notRecord = Schema.decodeUnknownEither(RecordTypeSchema)("List<Int>")
    expect(Either.isLeft(notRecord)).toBe(true)
  })
})

describe("TypeLanguage subtyping", () => {
  const yes: ReadonlyArray<readonly [string, string]> = [
    ["Int", "Int"],
    ["Int", "Optional<Int>"],
    ["Optional<Int>", "Optional<Int>"],
    ["List<Int>", "List<Optional<Int>>"],
    ["Map<String,Int>", "Map<String,Optional<Int>>"],
    ["{ a: Int, b: String }", "{ a: Int }"],
    ["{ a: { x: Int, y: Int } }", "{ a: { x: Int } }"],
    ["{ a: Int }", "{ a: Int, b: Optional<String> }"],
    ["List<{ a: Int, b: Int }>", "List<{ a: Int }>"],
    ["{}", "{}"]
  ]
  const no: ReadonlyArray<readonly [string, string]> = [
    ["Int", "Float"],
    ["Float", "Int"],
    ["Optional<Int>", "Int"],
    ["String", "Boolean"],
    ["{ a: Int }", "{ a: Int, b: String }"],
    ["{ a: Int }", "{ a: Float }"],
    ["List<Int>", "Map<String,Int>"],
    ["List<Optional<Int>>", "List<Int>"],
    ["{ a: Int }", "Map<String,Int>"],
    ["{ a: Optional<Int> }", "{ a: Int }"]
  ]
  for (const [sub, sup] of yes) it(`${sub} <: ${sup}`, () => expect(isSubtype(parse(sub), parse(sup))).toBe(true))
  for (const [sub, sup] of no) it(`${sub} is not <: ${sup}`, () => expect(isSubtype(parse(sub), parse(sup))).toBe(false))

  it.prop("is reflexive, and T <: Optional<T>", { type: typeArb }, ({ type }) => {
    expect(isSubtype(type, type)).toBe(true)
    expect(isSubtype(type, T.optional(type))).toBe(true)
  })

  it.prop(
    "every value of a subtype is a value of the supertype",
    { pair: typeArb.chain((sub) => FastCheck.tuple(FastCheck.constant(sub), weaken(sub))) },
    ({ pair: [sub, sup] }) => {
      expect(isSubtype(sub, sup)).toBe(true)
      FastCheck.assert(FastCheck.property(arbitrary(sub), (value) => conforms(sup, value)), { numRuns: 10 })
    }
  )
})

describe("TypeLanguage values", () => {
  const decode = (type: string, value: unknown) => Schema.decodeUnknownEither(toSchema(parse(type)))(value)

  it("drops extra fields by width and depth", () => {
    const value = { a: 1, extra: true, nested: { x: "s", more: [1] }, list: [{ id: 1, junk: 2 }] }
    expect(decode("{ a: Int, nested: { x: String }, list: List<{ id: Int }> }", value)).toEqual(
      Either.right({ a: 1, nested: { x: "s" }, list: [{ id: 1 }] })
    )
  })

  it("refuses a missing required field and accepts an absent or null Optional one", () => {
    expect(Either.isLeft(decode("{ a: Int, b: String }", { a: 1 }))).toBe(true)
    expect(decode("{ a: Int, b: Optional<String> }", { a: 1 })).toEqual(Either.right({ a: 1 }))
    expect(decode("{ a: Int, b: Optional<String> }", { a: 1, b: null })).toEqual(Either.right({ a: 1, b: null }))
  })

  it("keeps Int and Float apart and JSON shapes strict", () => {
    expect(Either.isLeft(decode("Int", 1.5))).toBe(true)
    expect(Either.isLeft(decode("Int", 2 ** 53))).toBe(true)
    expect(decode("Float", 2)).toEqual(Either.right(2))
    expect(Either.isLeft(decode("Float", "2"))).toBe(true)
    expect(Either.isLeft(decode("{}", []))).toBe(true)
    expect(Either.isLeft(decode("Map<String,Int>", [1]))).toBe(true)
    expect(decode("Map<String,Int>", { a: 1 })).toEqual(Either.right({ a: 1 }))
  })

  it("diffs field by field, as an OutputTypeMismatch shows it", () => {
    const expected = parse("{ sentiment: String, confidence: Float, tags: List<String> }")
    const mismatches = diff(expected, { sentiment: "positive", score: 0.95, tags: ["a", 3] })
    expect(mismatches).toEqual([
      { path: "confidence", expected: "Float", received: "missing" },
      { path: "tags[1]", expected: "String", received: "3" }
    ])
    expect(formatMismatches(mismatches)).toBe(
      "confidence: expected Float, received missing; tags[1]: expected String, received 3"
    )
    expect(diff(expected, "text")).toEqual([{ path: "", expected: T.describe(expected), received: "\"text\"" }])
  })

  it.prop("generated values conform and decode", { type: typeArb }, ({ type }) => {
    FastCheck.assert(
      FastCheck.property(arbitrary(type), (value) => {
        expect(diff(type, value)).toEqual([])
        expect(Either.isRight(Schema.decodeUnknownEither(toSchema(type))(value))).toBe(true)
      }),
      { numRuns: 10 }
    )
  })

  it.prop("diff is empty exactly when the Schema accepts", { type: typeArb, value: FastCheck.jsonValue({ maxDepth: 3 }) }, ({ type, value }) => {
    const accepted = Either.isRight(Schema.decodeUnknownEither(toSchema(type))(value))
    expect(diff(type, value).length === 0).toBe(accepted)
  })
})
