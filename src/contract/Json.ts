/**
 * JSON values as they cross the wire: the one definition of them (types, guards, schemas, equality,
 * generators) every layer uses. Kept here, at the bottom of the import graph, so every contract
 * schema can name "a JSON object" without importing a higher layer.
 *
 * Values are checked in place and never copied, so treat them as immutable.
 */
import { Either, type FastCheck, ParseResult, Schema } from "effect"

/** A JSON value as `JSON.parse` produces it. */
export type Json = null | boolean | number | string | JsonArray | JsonObject

/** A JSON array. */
export interface JsonArray extends ReadonlyArray<Json> {}

/** A JSON object (the shape of payloads, annotations, diagnostics). */
export interface JsonObject {
  readonly [key: string]: Json
}

/**
 * Narrows a value to a JSON object (arrays and null excluded). Only the top level is looked at: use
 * it on values already known to be JSON (decoded or parsed), and `isJson` on anything else.
 */
export const isJsonObject = (value: unknown): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value)

// Deep enough for any real payload; also stops a cyclic (non-JSON) structure from looping forever.
const maxDepth = 512

const isJsonAt = (value: unknown, depth: number): boolean => {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true
    case "number":
      return Number.isFinite(value)
    case "object": {
      if (value === null) return true
      if (depth >= maxDepth) return false
      if (Array.isArray(value)) {
        for (const item of value) if (!isJsonAt(item, depth + 1)) return false
        return true
      }
      const proto: unknown = Object.getPrototypeOf(value)
      if (proto !== Object.prototype && proto !== null) return false
      const items: ReadonlyArray<unknown> = Object.values(value)
      for (const item of items) if (!isJsonAt(item, depth + 1)) return false
      return true
    }
    default:
      return false
  }
}

/** True when `value` is JSON: null, a boolean, a finite number, a string, an array or a plain object of JSON. */
export const isJson = (value: unknown): value is Json => isJsonAt(value, 0)

const isJsonObjectDeep = (value: unknown): value is JsonObject => isJsonObject(value) && isJson(value)

/** Deep equality of JSON values; object key order does not matter. */
export const equals = (a: Json, b: Json): boolean => {
  if (a === b) return true
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false
    for (let i = 0; i < a.length; i++) if (!equals(a[i] ?? null, b[i] ?? null)) return false
    return true
  }
  if (Array.isArray(b) || !isJsonObject(a) || !isJsonObject(b)) return false
  const keys = Object.keys(a)
  if (keys.length !== Object.keys(b).length) return false
  for (const key of keys) {
    if (!Object.hasOwn(b, key)) return false
    if (!equals(a[key] ?? null, b[key] ?? null)) return false
  }
  return true
}

// Keys that trip naive object code ("__proto__" sets a prototype, "constructor" is inherited) come up often.
const arbitraryKey = (fc: typeof FastCheck): FastCheck.Arbitrary<string> =>
  fc.oneof(fc.constantFrom("__proto__", "constructor", "a", "b"), fc.string({ maxLength: 4 }))

/** Generates JSON values (objects up to `maxDepth` deep), for property tests. */
export const arbitraryJson = (fc: typeof FastCheck, maxDepth: number): FastCheck.Arbitrary<Json> =>
  fc.letrec<{ json: Json }>((tie) => ({
    json: fc.oneof(
      { depthSize: "small", maxDepth },
      fc.constant(null),
      fc.boolean(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.string({ maxLength: 6 }),
      fc.array(tie("json"), { maxLength: 4 }),
      fc.dictionary(arbitraryKey(fc), tie("json"), { maxKeys: 4, noNullPrototype: true })
    )
  })).json

/** Schema of any JSON value; decoding checks it without copying. Generates JSON for property tests. */
export const Json: Schema.Schema<Json> = Schema.declare(isJson, {
  identifier: "Json",
  description: "a JSON value (null, boolean, finite number, string, array or object)",
  arbitrary: () => (fc) => arbitraryJson(fc, 4),
  equivalence: () => equals
})

/** Schema of a JSON object; decoding checks it without copying. */
export const JsonObject: Schema.Schema<JsonObject> = Schema.declare(isJsonObjectDeep, {
  identifier: "JsonObject",
  description: "a JSON object",
  arbitrary: () => (fc) => fc.dictionary(arbitraryKey(fc), arbitraryJson(fc, 3), { maxKeys: 5, noNullPrototype: true }),
  equivalence: () => equals
})

/** JSON text ⇄ a `Json` value (`Schema.parseJson` checked against `Json`). */
export const JsonFromString: Schema.Schema<Json, string> = Schema.parseJson(Json)

const decodeJsonText = Schema.decodeEither(JsonFromString)

/** The first issue of a parse error, without the tree around it (for one-line messages). */
export const firstIssue = (error: ParseResult.ParseError): string =>
  ParseResult.ArrayFormatter.formatErrorSync(error)[0]?.message ?? error.message

/** Parses JSON text; the error is the parser's own one-line reason. The one helper every JSON text site uses. */
export const parseJsonText = (text: string): Either.Either<Json, string> => Either.mapLeft(decodeJsonText(text), firstIssue)

/**
 * Parses JSON text from the wire without walking it against the recursive `Json` schema: a hostile
 * answer nested thousands of levels deep must be a value the caller's own Schema refuses, never a
 * stack overflow in the host (the decoder fuzzers found one). `JSON.parse` directly, its exception
 * caught into the Left (the same reason `Schema.parseJson` reports): every module answer passes here,
 * and the Schema transformation around the same parse cost about a microsecond more per answer.
 */
export const parseJsonUnknown = (text: string): Either.Either<unknown, string> =>
  Either.try({ try: (): unknown => JSON.parse(text), catch: (error) => (error instanceof Error ? error.message : String(error)) })

/** Parses JSON text that must be an object. */
export const parseJsonObject = (text: string): Either.Either<JsonObject, string> =>
  Either.flatMap(parseJsonText(text), (value) =>
    isJsonObject(value) ? Either.right(value) : Either.left("it is JSON but not an object"))
