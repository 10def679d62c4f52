/**
 * Checking with the RFC-024 type language: effect Schemas for JSON values, subtyping, field-by-field
 * differences for `OutputTypeMismatch` messages, and arbitraries for property tests.
 */
import { Arbitrary, Either, FastCheck, ParseResult, Schema, SchemaAST } from "effect"
import type { RecordType, TypeNode } from "./TypeLanguage.js"
import * as T from "./TypeLanguage.js"
import { describe, fieldOf, isJsonObject, isRecordType, joinPath, parseSchema, toNotation } from "./TypeLanguage.js"

const erase = <A, I>(schema: Schema.Schema<A, I>): Schema.Schema<unknown> => Schema.make<unknown>(schema.ast)

/** Any JSON object (not an array, not null); the encoded side of the empty record type. */
export const JsonObject: Schema.Schema<Readonly<Record<string, unknown>>> = Schema.declare(isJsonObject, { identifier: "JsonObject" })

const emptyRecord = Schema.transform(
  JsonObject,
  Schema.Struct({}),
  { strict: true, decode: () => ({}), encode: (value) => value }
)

const fieldSchema = (type: TypeNode): Schema.Struct.Field =>
  type._tag === "Optional"
    ? Schema.optionalWith(Schema.NullOr(toSchema(type.inner)), { exact: true })
    : toSchema(type)

/**
 * An effect Schema that validates JSON against a type. Records are checked by width and depth:
 * extra fields are dropped on decode, a missing required field is an error, an `Optional<T>` field
 * may be absent or `null`.
 */
export const toSchema = (type: TypeNode): Schema.Schema<unknown> => {
  switch (type._tag) {
    case "String":
      return erase(Schema.String)
    case "Int":
      return erase(Schema.Int)
    case "Float":
      return erase(Schema.Finite)
    case "Boolean":
      return erase(Schema.Boolean)
    case "List":
      return erase(Schema.Array(toSchema(type.element)))
    case "Map":
      return erase(Schema.Record({ key: Schema.String, value: toSchema(type.value) }))
    case "Optional":
      return erase(Schema.NullOr(toSchema(type.inner)))
    case "Record": {
      // An empty Struct accepts any non-null value; a record must still be a JSON object.
      if (Object.keys(type.fields).length === 0) return erase(emptyRecord)
      const fields: Record<string, Schema.Struct.Field> = {}
      for (const [name, field] of Object.entries(type.fields)) {
        Object.defineProperty(fields, name, { value: fieldSchema(field), enumerable: true })
      }
      return Schema.make<unknown>(Schema.Struct(fields).ast)
    }
  }
}

const stripOptional = (type: TypeNode): TypeNode => (type._tag === "Optional" ? stripOptional(type.inner) : type)

/**
 * Whether every value of `sub` is a value of `sup`: records by width and depth (a field the
 * supertype marks `Optional` may be missing), covariant `List`/`Map`/`Optional`, `T <: Optional<T>`.
 * `Int` and `Float` are distinct: neither is a subtype of the other.
 */
export const isSubtype = (sub: TypeNode, sup: TypeNode): boolean => {
  // Optional<Optional<T>> has the same values as Optional<T>: compare what is under the layers.
  if (sup._tag === "Optional") return isSubtype(stripOptional(sub), stripOptional(sup))
  switch (sub._tag) {
    case "String":
    case "Int":
    case "Float":
    case "Boolean":
      return sub._tag === sup._tag
    case "Optional":
      return false
    case "List":
      return sup._tag === "List" && isSubtype(sub.element, sup.element)
    case "Map":
      return sup._tag === "Map" && isSubtype(sub.value, sup.value)
    case "Record": {
      if (sup._tag !== "Record") return false
      for (const [name, wanted] of Object.entries(sup.fields)) {
        const have = fieldOf(sub, name)
        if (have === undefined ? wanted._tag !== "Optional" : !isSubtype(have, wanted)) return false
      }
      return true
    }
  }
}

/** One difference between a type and a JSON value: where, what the type wants, what was there. */
export interface Mismatch {
  /** Field path such as `scores[2]` or `meta.id`; empty for the value itself. */
  readonly path: string
  /** The expected type, in the notation. */
  readonly expected: string
  /** A short rendering of the received value, or `missing`. */
  readonly received: string
}

const maxMismatches = 50
const previewLength = 60

/** A short, bounded rendering of a JSON value for messages; `missing` for an absent field. */
export const describeValue = (value: unknown): string => {
  if (value === undefined) return "missing"
  const text = JSON.stringify(value) ?? String(value)
  return text.length > previewLength ? `${text.slice(0, previewLength - 1)}…` : text
}


const walk = (type: TypeNode, value: unknown, path: string, out: Array<Mismatch>): void => {
  if (out.length >= maxMismatches) return
  if (type._tag === "Optional") {
    if (value !== undefined && value !== null) walk(type.inner, value, path, out)
    return
  }
  const mismatch = () => {
    out.push({ path, expected: describe(type), received: describeValue(value) })
  }
  switch (type._tag) {
    case "String":
      if (typeof value !== "string") mismatch()
      return
    case "Int":
      if (!Number.isSafeInteger(value)) mismatch()
      return
    case "Float":
      if (typeof value !== "number" || !Number.isFinite(value)) mismatch()
      return
    case "Boolean":
      if (typeof value !== "boolean") mismatch()
      return
    case "List":
      if (!Array.isArray(value)) return mismatch()
      value.forEach((item: unknown, i) => walk(type.element, item, `${path}[${i}]`, out))
      return
    case "Map":
      if (!isJsonObject(value)) return mismatch()
      for (const [key, item] of Object.entries(value)) walk(type.value, item, joinPath(path, key), out)
      return
    case "Record":
      if (!isJsonObject(value)) return mismatch()
      for (const [name, field] of Object.entries(type.fields)) {
        walk(field, Object.hasOwn(value, name) ? value[name] : undefined, joinPath(path, name), out)
      }
      return
  }
}

/**
 * Field-by-field differences between an expected type and a received JSON value (empty when the
 * value conforms). Extra fields are not differences. At most 50 are listed.
 */
export const diff = (expected: TypeNode, received: unknown): ReadonlyArray<Mismatch> => {
  const out: Array<Mismatch> = []
  walk(expected, received, "", out)
  return out
}

/** Renders differences for a message: `confidence: expected Float, received missing; ...`. */
export const formatMismatches = (mismatches: ReadonlyArray<Mismatch>): string =>
  mismatches
    .map((m) => `${m.path === "" ? "the value" : m.path}: expected ${m.expected}, received ${m.received}`)
    .join("; ")

/** Whether a JSON value conforms to a type. */
export const conforms = (type: TypeNode, value: unknown): boolean => diff(type, value).length === 0

/** A generator of JSON values of a type, derived from its Schema, for property tests. */
export const arbitrary = (type: TypeNode): FastCheck.Arbitrary<unknown> => Arbitrary.make(toSchema(type))

// ---------------------------------------------------------------------------------------------
// Schemas of the notation itself (for config files)
// ---------------------------------------------------------------------------------------------

const isTypeNodeValue = (u: unknown): u is TypeNode => {
  if (!isJsonObject(u)) return false
  switch (u["_tag"]) {
    case "String":
    case "Int":
    case "Float":
    case "Boolean":
      return true
    case "List":
      return isTypeNodeValue(u["element"])
    case "Map":
      return isTypeNodeValue(u["value"])
    case "Optional":
      return isTypeNodeValue(u["inner"])
    case "Record": {
      const fields = u["fields"]
      return isJsonObject(fields) && Object.values(fields).every(isTypeNodeValue)
    }
    default:
      return false
  }
}

/** A decoded type (the `Type` side of `TypeSchema`). */
export const TypeNodeSchema: Schema.Schema<TypeNode> = Schema.declare(isTypeNodeValue, {
  identifier: "TypeNode",
  description: "a type of the RFC-024 type language"
})

const decodeNotation = <T extends TypeNode>(refine: (type: TypeNode) => type is T, what: string) =>
(notation: unknown, _: unknown, ast: SchemaAST.AST): Either.Either<T, ParseResult.ParseIssue> =>
  Either.match(parseSchema(notation), {
    onLeft: (errors): Either.Either<T, ParseResult.ParseIssue> => {
      const issues = errors.map((e) => new ParseResult.Type(ast, notation, e.message))
      const [first, ...rest] = issues
      return Either.left(
        first === undefined
          ? new ParseResult.Type(ast, notation, `expected ${what}`)
          : rest.length === 0
          ? first
          : new ParseResult.Composite(ast, notation, [first, ...rest])
      )
    },
    onRight: (type) =>
      refine(type)
        ? Either.right(type)
        : Either.left(new ParseResult.Type(ast, notation, `expected ${what}, found the type ${describe(type)}`))
  })

/** A type written in the JSON notation (a type string or a record), decoded to a `TypeNode`. */
export const TypeSchema: Schema.Schema<TypeNode, unknown> = Schema.transformOrFail(Schema.Unknown, TypeNodeSchema, {
  strict: true,
  decode: decodeNotation((_type): _type is TypeNode => true, "a type"),
  encode: (type) => ParseResult.succeed(toNotation(type))
}).annotations({ identifier: "TypeNotation" })

/** A record type written in the JSON notation (module `input_schema`/`output_schema`, pipeline `inputs`). */
export const RecordTypeSchema: Schema.Schema<RecordType, unknown> = Schema.transformOrFail(
  Schema.Unknown,
  Schema.declare((u: unknown): u is RecordType => isTypeNodeValue(u) && u._tag === "Record", {
    identifier: "RecordType",
    // A few representative record types, so configs holding them can be generated in property tests.
    arbitrary: () => (fc) =>
      fc.constantFrom<RecordType>(
        T.record({ text: T.string }),
        T.record({ sentiment: T.string, confidence: T.float }),
        T.record({ id: T.int, tags: T.list(T.string), extra: T.optional(T.map(T.boolean)) })
      )
  }),
  {
    strict: true,
    decode: decodeNotation(isRecordType, "a record of types such as { \"text\": \"String\" }"),
    encode: (type) => ParseResult.succeed(toNotation(type))
  }
).annotations({ identifier: "RecordTypeNotation" })
