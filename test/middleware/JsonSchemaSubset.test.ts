import { describe, expect, it } from "@effect/vitest"
import { Either, ParseResult, Schema } from "effect"
import {
  compile,
  type JsonSchemaDoc,
  JsonSchemaSubset,
  SupportedKeywords,
  toSchema
} from "../../src/middleware/JsonSchemaSubset.js"
import { JsonValue } from "../../src/middleware/MergePatch.js"

const decodeDoc = Schema.decodeUnknownEither(JsonSchemaSubset)

const doc = (input: unknown): JsonSchemaDoc =>
  Either.getOrThrowWith(decodeDoc(input), (error) => new Error(ParseResult.TreeFormatter.formatErrorSync(error)))

const docError = (input: unknown): string =>
  Either.match(decodeDoc(input), {
    onLeft: (error) => ParseResult.TreeFormatter.formatErrorSync(error),
    onRight: () => "decoded"
  })

// The one-line-per-issue view: the path the value failed at, and the message.
const failures = (schemaDoc: unknown, value: unknown, all = false) =>
  Either.match(Schema.decodeUnknownEither(toSchema(doc(schemaDoc)), { errors: all ? "all" : "first" })(value), {
    onLeft: (error) => ParseResult.ArrayFormatter.formatErrorSync(error).map(({ message, path }) => ({ path, message })),
    onRight: () => []
  })

const accepts = (schemaDoc: unknown, value: unknown) => expect(failures(schemaDoc, value)).toStrictEqual([])

describe("JsonSchemaSubset (decoding a payload schema)", () => {
  it("decodes every supported keyword", () => {
    const full = {
      type: ["object", "null"],
      description: "an offer",
      properties: {
        name: { type: "string", minLength: 1, maxLength: 10 },
        price: { type: "number", minimum: 0, maximum: 100 },
        tags: { type: "array", items: { enum: ["a", "b"] }, minItems: 0, maxItems: 3 },
        kind: { const: "offer" }
      },
      required: ["name"],
      additionalProperties: false
    }
    expect(doc(full)).toStrictEqual(full)
  })

  it.each(["$ref", "pattern", "oneOf", "format", "exclusiveMinimum", "default"])(
    "refuses the unknown keyword %j, naming it and listing the supported ones",
    (keyword) => {
      const message = docError({ type: "string", [keyword]: 1 })
      expect(message).toContain(`unknown keyword ${JSON.stringify(keyword)}`)
      expect(message).toContain(SupportedKeywords.join(", "))
    }
  )

  it("refuses unknown keywords deep inside properties and items, with their path", () => {
    const message = docError({ properties: { offer: { items: { type: "string", patternProperties: {} } } } })
    expect(message).toContain(`unknown keyword "patternProperties"`)
    expect(message).toMatch(/\["properties"\][\s\S]*\["offer"\][\s\S]*\["items"\]/)
  })

  it("refuses a bad type name, an empty or repeated type list, and negative or fractional counts", () => {
    expect(docError({ type: "float" })).toContain(`type must be one of "object", "array", "string"`)
    expect(docError({ type: "float" })).toContain(`got "float"`)
    expect(docError({ type: ["string", "floaty"] })).toContain(`got ["string","floaty"]`)
    expect(docError({ type: [] })).toContain("admits no value")
    expect(docError({ type: ["string", "string"] })).toContain("repeats a type")
    expect(docError({ minLength: -1 })).toContain("minLength")
    expect(docError({ maxItems: 1.5 })).toContain("maxItems")
    expect(docError({ enum: [] })).toContain("empty enum")
    expect(docError({ additionalProperties: "no" })).toContain("additionalProperties")
  })

  it("refuses bounds no value could meet", () => {
    expect(docError({ minimum: 5, maximum: 1 })).toContain("minimum 5 is greater than maximum 1")
    expect(docError({ minLength: 5, maxLength: 1 })).toContain("minLength 5 is greater than maxLength 1")
    expect(docError({ minItems: 5, maxItems: 1 })).toContain("minItems 5 is greater than maxItems 1")
    expect(docError({ required: ["x"], additionalProperties: false, properties: {} })).toContain(
      `"x" is required but additionalProperties is false`
    )
  })

  it("refuses a property named __proto__ rather than losing it", () => {
    expect(docError(JSON.parse(`{"properties":{"__proto__":{"type":"string"}}}`))).toContain("__proto__")
  })
})

describe("JsonSchemaSubset.toSchema (validating payloads)", () => {
  it("type: each kind, integer inside number, and lists of types", () => {
    accepts({ type: "object" }, {})
    accepts({ type: "array" }, [])
    accepts({ type: "string" }, "")
    accepts({ type: "number" }, 1.5)
    accepts({ type: "number" }, 2)
    accepts({ type: "integer" }, 2)
    accepts({ type: "boolean" }, false)
    accepts({ type: "null" }, null)
    accepts({ type: ["string", "null"] }, null)
    expect(failures({ type: "integer" }, 1.5)).toStrictEqual([{ path: [], message: `expected type "integer", got number 1.5` }])
    expect(failures({ type: "object" }, [1])).toStrictEqual([{ path: [], message: `expected type "object", got an array of 1 items` }])
    expect(failures({ type: ["string", "null"] }, 3)).toStrictEqual([
      { path: [], message: `expected one of the types "string", "null", got number 3` }
    ])
  })

  it("properties: checks declared properties where they are present, by path", () => {
    const offer = { type: "object", properties: { price: { type: "number" }, meta: { properties: { id: { type: "string" } } } } }
    accepts(offer, {})
    accepts(offer, { price: 3, other: true })
    expect(failures(offer, { price: "3" })).toStrictEqual([{ path: ["price"], message: `expected type "number", got string "3"` }])
    expect(failures(offer, { meta: { id: 7 } })).toStrictEqual([{ path: ["meta", "id"], message: `expected type "string", got number 7` }])
  })

  it("required: names the missing property at its path", () => {
    expect(failures({ required: ["name"] }, { other: 1 })).toStrictEqual([
      { path: ["name"], message: `required property "name" is missing` }
    ])
    accepts({ required: ["name"] }, { name: null })
    accepts({ required: ["name"] }, "not an object: required does not apply")
  })

  it("additionalProperties: false refuses undeclared properties and lists the declared ones", () => {
    const closed = { properties: { a: {}, b: {} }, additionalProperties: false }
    accepts(closed, { a: 1 })
    expect(failures(closed, { a: 1, c: 2 })).toStrictEqual([
      { path: ["c"], message: `property "c" is not allowed: this object accepts only "a", "b" (additionalProperties is false)` }
    ])
    accepts({ properties: { a: {} }, additionalProperties: true }, { z: 1 })
  })

  it("items: checks every element, by index", () => {
    expect(failures({ items: { type: "string" } }, ["a", 2])).toStrictEqual([
      { path: [1], message: `expected type "string", got number 2` }
    ])
    expect(failures({ properties: { tags: { items: { minLength: 2 } } } }, { tags: ["ab", "c"] })).toStrictEqual([
      { path: ["tags", 1], message: "expected a string of at least 2 characters, got 1" }
    ])
  })

  it("enum and const compare JSON deeply", () => {
    accepts({ enum: ["a", { b: [1] }] }, { b: [1] })
    expect(failures({ enum: ["a", "b"] }, "c")).toStrictEqual([{ path: [], message: `expected one of ["a","b"], got string "c"` }])
    accepts({ const: { x: 1, y: 2 } }, { y: 2, x: 1 })
    expect(failures({ const: 1 }, 2)).toStrictEqual([{ path: [], message: "expected exactly 1, got number 2" }])
    accepts({ const: null }, null)
    expect(failures({ const: null }, 0)).toStrictEqual([{ path: [], message: "expected exactly null, got number 0" }])
  })

  it("minimum and maximum bound numbers, inclusively", () => {
    accepts({ minimum: 0, maximum: 10 }, 0)
    accepts({ minimum: 0, maximum: 10 }, 10)
    expect(failures({ minimum: 0 }, -1)).toStrictEqual([{ path: [], message: "expected a number >= 0, got -1" }])
    expect(failures({ maximum: 10 }, 10.5)).toStrictEqual([{ path: [], message: "expected a number <= 10, got 10.5" }])
    accepts({ minimum: 0 }, "strings are not bounded by minimum")
  })

  it("minLength and maxLength count code points", () => {
    accepts({ minLength: 2, maxLength: 2 }, "😀😀")
    expect(failures({ minLength: 3 }, "ab")).toStrictEqual([{ path: [], message: "expected a string of at least 3 characters, got 2" }])
    expect(failures({ maxLength: 1 }, "ab")).toStrictEqual([{ path: [], message: "expected a string of at most 1 character, got 2" }])
  })

  it("minItems and maxItems bound arrays", () => {
    accepts({ minItems: 1, maxItems: 2 }, [1])
    expect(failures({ minItems: 2 }, [1])).toStrictEqual([{ path: [], message: "expected an array of at least 2 items, got 1" }])
    expect(failures({ maxItems: 1 }, [1, 2])).toStrictEqual([{ path: [], message: "expected an array of at most 1 item, got 2" }])
  })

  it("description is carried as the schema's description and constrains nothing", () => {
    const schema = toSchema(doc({ description: "the offer being published" }))
    expect(schema.ast.annotations[Symbol.for("effect/annotation/Description")]).toBe("the offer being published")
    accepts({ description: "anything" }, [1, "x"])
  })

  it("refuses values that are not JSON", () => {
    expect(failures({}, { a: undefined })).toStrictEqual([])
    expect(failures({ properties: { a: {} } }, { a: Number.NaN })).toStrictEqual([
      { path: ["a"], message: "expected a JSON value, got NaN, which is not JSON" }
    ])
  })

  it("reports the first violation by default and all of them with errors: all", () => {
    const schema = { properties: { a: { type: "string" }, b: { minimum: 1 } }, required: ["c"] }
    expect(failures(schema, { a: 1, b: 0 })).toHaveLength(1)
    expect(failures(schema, { a: 1, b: 0 }, true)).toStrictEqual([
      { path: ["c"], message: `required property "c" is missing` },
      { path: ["a"], message: `expected type "string", got number 1` },
      { path: ["b"], message: "expected a number >= 1, got 0" }
    ])
  })

  it("TreeFormatter messages name the path and the expectation", () => {
    const result = Schema.decodeUnknownEither(toSchema(doc({ properties: { offer: { properties: { price: { minimum: 0 } } } } })))(
      { offer: { price: -3 } }
    )
    expect(Either.isLeft(result)).toBe(true)
    if (Either.isLeft(result)) {
      const text = ParseResult.TreeFormatter.formatErrorSync(result.left)
      expect(text).toContain(`["offer"]["price"]`)
      expect(text).toContain("expected a number >= 0, got -3")
    }
  })

  it("decoding returns the input itself", () => {
    const value = { a: [1] }
    expect(Schema.decodeUnknownSync(toSchema(doc({ type: "object" })))(value)).toBe(value)
  })

  it("compile exposes the violations directly", () => {
    const validate = compile(doc({ items: { type: "integer" } }))
    expect(validate([1, 2])).toStrictEqual([])
    expect(validate([1, "x", 2.5], { all: true }).map((v) => v.path)).toStrictEqual([[1], [2]])
  })

  it.prop("the empty schema accepts every JSON value", [JsonValue], ([value]) => {
    expect(failures({}, value)).toStrictEqual([])
  })
})
