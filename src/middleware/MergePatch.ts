/**
 * RFC 7396 JSON merge patch, the only patch strategy of a middleware decision (CONTRACTS §2.2,
 * `patch_strategy: "json_merge_patch"`), and the key-safe object helpers it is built from.
 *
 * Everything here is pure: inputs are never mutated, and results share every untouched branch with
 * the target (and patch values are placed as they are), so treat all values as immutable.
 */
import { isJsonObject, type Json, type JsonObject } from "../contract/Json.js"

// JSON itself is defined once, in contract/Json.ts; the middleware keeps importing these names from here.
export { arbitraryJson, equals, isJson, type Json, type JsonArray, type JsonObject } from "../contract/Json.js"
export {
  /** True for a JSON object (not null, not an array). */
  isJsonObject as isObject,
  /** A JSON value; decoding checks it without copying. Generates JSON for property tests. */
  Json as JsonValue,
  /** A JSON object; decoding checks it without copying. */
  JsonObject as JsonObjectValue
} from "../contract/Json.js"

/** The own value under `key`, never an inherited one (`"__proto__"`, `"constructor"` are ordinary keys here). */
export const getOwn = (object: JsonObject, key: string): Json | undefined =>
  Object.hasOwn(object, key) ? object[key] : undefined

/** The value at `path` (object keys from the root), or `undefined` when a key is missing or a step is not an object. */
export const getAt = (value: Json, path: ReadonlyArray<string>): Json | undefined => {
  let current: Json | undefined = value
  for (const key of path) {
    if (!isJsonObject(current)) return undefined
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
  if (!isJsonObject(patch)) return patch
  const base: JsonObject = isJsonObject(target) ? target : {}
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
    const next = isJsonObject(value) ? apply(current, value) : value
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
  if (!isJsonObject(patch)) return [[]]
  const out: Array<ReadonlyArray<string>> = []
  const walk = (node: JsonObject, prefix: ReadonlyArray<string>): void => {
    for (const key of Object.keys(node)) {
      const value = node[key] ?? null
      const path = [...prefix, key]
      if (isJsonObject(value) && Object.keys(value).length > 0) walk(value, path)
      else out.push(path)
    }
  }
  walk(patch, [])
  return out
}
