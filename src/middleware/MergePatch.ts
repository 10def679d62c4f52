/**
 * JSON values and RFC 7396 JSON merge patch, the only patch strategy of a middleware decision
 * (CONTRACTS §2.2, `patch_strategy: "json_merge_patch"`).
 *
 * Everything here is pure: inputs are never mutated, and results share every untouched branch with
 * the target (and patch values are placed as they are), so treat all values as immutable.
 */
import { type FastCheck, Schema } from "effect"

/** A JSON value as `JSON.parse` produces it. */
export type Json = null | boolean | number | string | JsonArray | JsonObject

/** A JSON array. */
export interface JsonArray extends ReadonlyArray<Json> {}

/** A JSON object. */
export interface JsonObject {
  readonly [key: string]: Json
}

/** True for a JSON object (not null, not an array). */
export const isObject = (value: Json | undefined): value is JsonObject =>
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

/** Deep equality of JSON values; object key order does not matter. */
export const equals = (a: Json, b: Json): boolean => {
  if (a === b) return true
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false
    for (let i = 0; i < a.length; i++) if (!equals(a[i] ?? null, b[i] ?? null)) return false
    return true
  }
  if (Array.isArray(b) || !isObject(a) || !isObject(b)) return false
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

/** A JSON value; decoding checks it without copying. Generates JSON for property tests. */
export const JsonValue: Schema.Schema<Json> = Schema.declare(isJson, {
  identifier: "JsonValue",
  description: "a JSON value (null, boolean, finite number, string, array or object)",
  arbitrary: () => (fc) => arbitraryJson(fc, 4),
  equivalence: () => equals
})

const isJsonObject = (value: unknown): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value) && isJson(value)

/** A JSON object; decoding checks it without copying. */
export const JsonObjectValue: Schema.Schema<JsonObject> = Schema.declare(isJsonObject, {
  identifier: "JsonObject",
  description: "a JSON object",
  arbitrary: () => (fc) => fc.dictionary(arbitraryKey(fc), arbitraryJson(fc, 3), { maxKeys: 5, noNullPrototype: true }),
  equivalence: () => equals
})

/** The own value under `key`, never an inherited one (`"__proto__"`, `"constructor"` are ordinary keys here). */
export const getOwn = (object: JsonObject, key: string): Json | undefined =>
  Object.hasOwn(object, key) ? object[key] : undefined

/** The value at `path` (object keys from the root), or `undefined` when a key is missing or a step is not an object. */
export const getAt = (value: Json, path: ReadonlyArray<string>): Json | undefined => {
  let current: Json | undefined = value
  for (const key of path) {
    if (!isObject(current)) return undefined
    current = getOwn(current, key)
  }
  return current
}

/**
 * Sets an own key on an object being built (never on a shared value). Plain assignment of
 * `"__proto__"` would set the prototype instead of a key, so that one is defined.
 */
export const setKey = (object: { [key: string]: Json }, key: string, value: Json): void => {
  if (key === "__proto__") {
    Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true })
  } else {
    object[key] = value
  }
}

/** Builds a JSON object from entries, keeping `"__proto__"` as an ordinary key. */
export const fromEntries = (entries: Iterable<readonly [string, Json]>): JsonObject => {
  const out: { [key: string]: Json } = {}
  for (const [key, value] of entries) setKey(out, key, value)
  return out
}

/**
 * Applies an RFC 7396 merge patch: objects merge key by key, `null` deletes, anything else replaces.
 * Returns `target` itself when the patch changes nothing.
 */
export const apply = (target: Json, patch: Json): Json => {
  if (!isObject(patch)) return patch
  const base: JsonObject = isObject(target) ? target : {}
  // Copied on the first change only, so an empty or no-op patch allocates nothing.
  let out: { [key: string]: Json } | undefined
  for (const key of Object.keys(patch)) {
    const value = patch[key] ?? null
    const has = Object.hasOwn(base, key)
    if (value === null) {
      if (has) {
        out ??= { ...base }
        delete out[key]
      }
      continue
    }
    const current = has ? base[key] ?? null : null
    const next = isObject(value) ? apply(current, value) : value
    if (!has || next !== current) {
      out ??= { ...base }
      setKey(out, key, next)
    }
  }
  return out ?? base
}

/**
 * The paths a patch writes, as key lists from the root. A non-empty object is descended; `null` (a
 * delete), any other non-object value, and an empty object are leaves. A nested `{}` is a write
 * because it turns a non-object target value into `{}`. A whole non-object patch writes the root (`[]`);
 * the empty patch `{}` writes nothing.
 */
export const leafPaths = (patch: Json): ReadonlyArray<ReadonlyArray<string>> => {
  if (!isObject(patch)) return [[]]
  const out: Array<ReadonlyArray<string>> = []
  const walk = (node: JsonObject, prefix: ReadonlyArray<string>): void => {
    for (const key of Object.keys(node)) {
      const value = node[key] ?? null
      const path = [...prefix, key]
      if (isObject(value) && Object.keys(value).length > 0) walk(value, path)
      else out.push(path)
    }
  }
  walk(patch, [])
  return out
}
