/**
 * The JSON Schema subset operators use to declare the payload of an extra hook (CONTRACTS §0
 * `hooks`, §2.3 step 4), and its compilation to an effect Schema that validates JSON values.
 *
 * Semantics follow JSON Schema: a keyword constrains only values of the kind it speaks about
 * (`minimum` ignores strings, `properties` ignores arrays), `type` restricts kinds, "number"
 * includes integers, and lengths count Unicode code points. Anything outside the subset is refused
 * when the config is decoded, so an operator never believes a constraint is enforced when it is not.
 */
import { Array as Arr, ParseResult, Schema } from "effect"
import type * as AST from "effect/SchemaAST"
import { equals, isJson, type Json, JsonValue } from "./MergePatch.js"

/** The value kinds `type` can name. */
export const TypeNames = ["object", "array", "string", "number", "integer", "boolean", "null"] as const

/** One value kind. */
export type TypeName = typeof TypeNames[number]

/** Every keyword the subset understands; any other keyword is refused. */
export const SupportedKeywords = [
  "type",
  "properties",
  "required",
  "additionalProperties",
  "items",
  "enum",
  "const",
  "minimum",
  "maximum",
  "minLength",
  "maxLength",
  "minItems",
  "maxItems",
  "description"
] as const

/** A decoded payload schema document. */
export interface JsonSchemaDoc {
  readonly type?: TypeName | ReadonlyArray<TypeName>
  readonly properties?: { readonly [name: string]: JsonSchemaDoc }
  readonly required?: ReadonlyArray<string>
  readonly additionalProperties?: boolean
  readonly items?: JsonSchemaDoc
  readonly enum?: ReadonlyArray<Json>
  readonly const?: Json
  readonly minimum?: number
  readonly maximum?: number
  readonly minLength?: number
  readonly maxLength?: number
  readonly minItems?: number
  readonly maxItems?: number
  readonly description?: string
}

/** The encoded side of a document: any JSON object (its keywords are checked while decoding). */
export type JsonSchemaDocEncoded = { readonly [key: string]: unknown }

const supported: ReadonlySet<string> = new Set(SupportedKeywords)

const isRecord = (value: unknown): value is JsonSchemaDocEncoded =>
  typeof value === "object" && value !== null && !Array.isArray(value)

// Checked on the raw object, before the struct below would silently drop what it does not know.
const Keywords = Schema.declare(isRecord, {
  identifier: "JsonSchemaObject",
  description: "a JSON Schema object"
}).pipe(Schema.filter((doc) => {
  for (const key of Object.keys(doc)) {
    if (!supported.has(key)) {
      return {
        path: [key],
        message: `unknown keyword ${JSON.stringify(key)}: hook payload schemas support only ${
          SupportedKeywords.join(", ")
        }; remove it or express the constraint with these`
      }
    }
  }
  // Decoding `properties` as a record assigns keys with `=`, which would make "__proto__" a prototype.
  const properties = doc["properties"]
  if (isRecord(properties) && Object.hasOwn(properties, "__proto__")) {
    return { path: ["properties", "__proto__"], message: "\"__proto__\" cannot be a property name in a payload schema" }
  }
  return true
}))

const typeNamesText = TypeNames.map((t) => JSON.stringify(t)).join(", ")

const TypeKeyword = Schema.Union(Schema.Literal(...TypeNames), Schema.Array(Schema.Literal(...TypeNames))).annotations({
  identifier: "TypeKeyword",
  message: (issue) => ({
    message: `type must be one of ${typeNamesText}, or a non-empty list of them; got ${preview(issue.actual)}`,
    override: true
  })
})

const Sub = Schema.suspend((): Schema.Schema<JsonSchemaDoc, JsonSchemaDocEncoded> => JsonSchemaSubset)

const optional = <S extends Schema.Schema.Any>(schema: S) => Schema.optionalWith(schema, { exact: true })

const Count = Schema.NonNegativeInt

const Document = Schema.Struct({
  type: optional(TypeKeyword),
  properties: optional(Schema.Record({ key: Schema.String, value: Sub })),
  required: optional(Schema.Array(Schema.String)),
  additionalProperties: optional(Schema.Boolean),
  items: optional(Sub),
  enum: optional(
    Schema.Array(JsonValue).pipe(
      Schema.filter((values) => values.length > 0 || "an empty enum admits no value: list at least one")
    )
  ),
  const: optional(JsonValue),
  minimum: optional(Schema.Finite),
  maximum: optional(Schema.Finite),
  minLength: optional(Count),
  maxLength: optional(Count),
  minItems: optional(Count),
  maxItems: optional(Count),
  description: optional(Schema.String)
}).annotations({ identifier: "JsonSchemaKeywords" }).pipe(Schema.filter((doc) => {
  const issues: Array<Schema.FilterIssue> = []
  if (Array.isArray(doc.type)) {
    if (doc.type.length === 0) {
      issues.push({ path: ["type"], message: "an empty list of types admits no value: name at least one type" })
    } else if (new Set(doc.type).size !== doc.type.length) {
      issues.push({ path: ["type"], message: `the list of types ${JSON.stringify(doc.type)} repeats a type` })
    }
  }
  const bounds = (low: keyof JsonSchemaDoc, high: keyof JsonSchemaDoc, a: number | undefined, b: number | undefined) => {
    if (a !== undefined && b !== undefined && a > b) {
      issues.push({ path: [low], message: `${low} ${a} is greater than ${high} ${b}: no value could match` })
    }
  }
  bounds("minimum", "maximum", doc.minimum, doc.maximum)
  bounds("minLength", "maxLength", doc.minLength, doc.maxLength)
  bounds("minItems", "maxItems", doc.minItems, doc.maxItems)
  if (doc.additionalProperties === false) {
    for (const name of doc.required ?? []) {
      if (doc.properties === undefined || !Object.hasOwn(doc.properties, name)) {
        issues.push({
          path: ["required"],
          message: `${JSON.stringify(name)} is required but additionalProperties is false and properties does not ` +
            `declare it: no value could match; declare it under properties`
        })
      }
    }
  }
  return issues
}, { identifier: "JsonSchemaDocument" }))

/**
 * Decodes a payload schema document written in the supported JSON Schema subset, refusing unknown
 * keywords (by name, listing the supported ones) and contradictory bounds.
 */
export const JsonSchemaSubset: Schema.Schema<JsonSchemaDoc, JsonSchemaDocEncoded> = Schema.compose(
  Keywords,
  Document,
  { strict: false }
).annotations({ identifier: "JsonSchemaSubset" })

/** One way a value fails a payload schema: where (keys and indexes from the root), the value there, and what was expected. */
export interface Violation {
  readonly path: ReadonlyArray<string | number>
  readonly actual: unknown
  readonly message: string
}

type Kind = TypeName | "not-json"

const kindOf = (value: unknown): Kind => {
  switch (typeof value) {
    case "string":
      return "string"
    case "boolean":
      return "boolean"
    case "number":
      return !Number.isFinite(value) ? "not-json" : Number.isInteger(value) ? "integer" : "number"
    case "object":
      return value === null ? "null" : Array.isArray(value) ? "array" : "object"
    default:
      return "not-json"
  }
}

const preview = (value: unknown): string => {
  const text = isJson(value) ? JSON.stringify(value) : String(value)
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}

const describe = (value: unknown): string => {
  const kind = kindOf(value)
  switch (kind) {
    case "null":
      return "null"
    case "array":
      return Array.isArray(value) ? `an array of ${value.length} items` : "an array"
    case "object": {
      const keys = isRecord(value) ? Object.keys(value) : []
      return keys.length === 0
        ? "an empty object"
        : `an object with keys ${preview(keys.slice(0, 5))}${keys.length > 5 ? "..." : ""}`
    }
    case "not-json":
      return `${preview(value)}, which is not JSON`
    case "integer":
      return `number ${preview(value)}`
    default:
      return `${kind} ${preview(value)}`
  }
}

const codePoints = (text: string): number => {
  let n = 0
  for (const _ of text) n++
  return n
}

interface Sink {
  readonly all: boolean
  readonly violations: Array<Violation>
}

// Records a violation; the answer says whether to keep validating (only when collecting all).
const report = (sink: Sink, path: ReadonlyArray<string | number>, actual: unknown, message: string): boolean => {
  sink.violations.push({ path: [...path], actual, message })
  return sink.all
}

type Check = (value: unknown, path: Array<string | number>, sink: Sink) => boolean

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`

const compileCheck = (doc: JsonSchemaDoc): Check => {
  const types: ReadonlyArray<TypeName> | undefined = doc.type === undefined
    ? undefined
    : typeof doc.type === "string"
    ? [doc.type]
    : doc.type
  const typeText = types === undefined
    ? ""
    : types.length === 1
    ? `type ${JSON.stringify(types[0])}`
    : `one of the types ${types.map((t) => JSON.stringify(t)).join(", ")}`
  const admits = (kind: TypeName) =>
    types === undefined || types.includes(kind) || (kind === "integer" && types.includes("number"))
  const properties = new Map<string, Check>()
  if (doc.properties !== undefined) {
    for (const name of Object.keys(doc.properties)) {
      const sub = doc.properties[name]
      if (sub !== undefined) properties.set(name, compileCheck(sub))
    }
  }
  const declared = [...properties.keys()]
  const items = doc.items === undefined ? undefined : compileCheck(doc.items)
  const { enum: choices, const: constant, maximum, maxItems, maxLength, minimum, minItems, minLength, required } = doc
  const closed = doc.additionalProperties === false

  return (value, path, sink) => {
    const kind = kindOf(value)
    if (kind === "not-json") return report(sink, path, value, `expected a JSON value, got ${describe(value)}`)
    if (!admits(kind)) return report(sink, path, value, `expected ${typeText}, got ${describe(value)}`)
    if (choices !== undefined || constant !== undefined) {
      if (!isJson(value)) return report(sink, path, value, `expected a JSON value, got ${describe(value)}`)
      if (choices !== undefined && !choices.some((choice) => equals(choice, value))) {
        if (!report(sink, path, value, `expected one of ${preview(choices)}, got ${describe(value)}`)) return false
      }
      if (constant !== undefined && !equals(constant, value)) {
        if (!report(sink, path, value, `expected exactly ${preview(constant)}, got ${describe(value)}`)) return false
      }
    }
    if (typeof value === "number") {
      if (minimum !== undefined && value < minimum) {
        if (!report(sink, path, value, `expected a number >= ${minimum}, got ${value}`)) return false
      }
      if (maximum !== undefined && value > maximum) {
        if (!report(sink, path, value, `expected a number <= ${maximum}, got ${value}`)) return false
      }
    } else if (typeof value === "string") {
      if (minLength !== undefined || maxLength !== undefined) {
        const length = codePoints(value)
        if (minLength !== undefined && length < minLength) {
          const message = `expected a string of at least ${plural(minLength, "character")}, got ${length}`
          if (!report(sink, path, value, message)) return false
        }
        if (maxLength !== undefined && length > maxLength) {
          const message = `expected a string of at most ${plural(maxLength, "character")}, got ${length}`
          if (!report(sink, path, value, message)) return false
        }
      }
    } else if (Array.isArray(value)) {
      if (minItems !== undefined && value.length < minItems) {
        const message = `expected an array of at least ${plural(minItems, "item")}, got ${value.length}`
        if (!report(sink, path, value, message)) return false
      }
      if (maxItems !== undefined && value.length > maxItems) {
        const message = `expected an array of at most ${plural(maxItems, "item")}, got ${value.length}`
        if (!report(sink, path, value, message)) return false
      }
      if (items !== undefined) {
        for (let i = 0; i < value.length; i++) {
          path.push(i)
          const ok = items(value[i], path, sink)
          path.pop()
          if (!ok) return false
        }
      }
    } else if (isRecord(value)) {
      if (required !== undefined) {
        for (const name of required) {
          if (!Object.hasOwn(value, name)) {
            path.push(name)
            const ok = report(sink, path, undefined, `required property ${JSON.stringify(name)} is missing`)
            path.pop()
            if (!ok) return false
          }
        }
      }
      if (properties.size > 0 || closed) {
        for (const key of Object.keys(value)) {
          const check = properties.get(key)
          path.push(key)
          const ok = check !== undefined
            ? check(value[key], path, sink)
            : closed
            ? report(
              sink,
              path,
              value[key],
              `property ${JSON.stringify(key)} is not allowed: this object accepts only ${
                declared.length === 0 ? "no properties" : declared.map((d) => JSON.stringify(d)).join(", ")
              } (additionalProperties is false)`
            )
            : true
          path.pop()
          if (!ok) return false
        }
      }
    }
    return true
  }
}

/**
 * Compiles a document to a validator returning every violation (`all: true`) or the first one.
 * Compile once per hook; validating then allocates only for violations.
 */
export const compile = (doc: JsonSchemaDoc): (value: unknown, options?: { readonly all?: boolean }) => ReadonlyArray<Violation> => {
  const check = compileCheck(doc)
  return (value, options) => {
    const sink: Sink = { all: options?.all === true, violations: [] }
    check(value, [], sink)
    return sink.violations
  }
}

const toIssue = (ast: AST.AST, input: unknown, violation: Violation): ParseResult.ParseIssue => {
  const type = new ParseResult.Type(ast, violation.actual, violation.message)
  return Arr.isNonEmptyReadonlyArray(violation.path) ? new ParseResult.Pointer(violation.path, input, type) : type
}

/**
 * An effect Schema that accepts the JSON values `doc` describes (decoding returns the input itself).
 * Each failure is a `Type` issue under a `Pointer` to its path, so `TreeFormatter` and `ArrayFormatter`
 * name the path and the expectation; `errors: "all"` reports every violation.
 */
export const toSchema = (doc: JsonSchemaDoc): Schema.Schema<unknown> => {
  const validate = compile(doc)
  const run = (input: unknown, options: AST.ParseOptions, ast: AST.AST) => {
    const violations = validate(input, { all: options?.errors === "all" })
    const [first, ...rest] = violations
    if (first === undefined) return ParseResult.succeed(input)
    if (rest.length === 0) return ParseResult.fail(toIssue(ast, input, first))
    return ParseResult.fail(
      new ParseResult.Composite(ast, input, [toIssue(ast, input, first), ...rest.map((v) => toIssue(ast, input, v))])
    )
  }
  return Schema.declare([], { decode: () => run, encode: () => run }, {
    identifier: "PayloadSchema",
    description: doc.description ?? "a JSON value matching a hook payload schema"
  })
}
