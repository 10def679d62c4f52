/**
 * Canonical JSON text: the cache key of a call is the module plus the canonical JSON of
 * its input (CONTRACTS §3.5), so two inputs that differ only in key order must give the same text.
 */
// JSON itself is defined once, in contract/Json.ts; resilience keeps importing these names from here.
export {
  /** Guard for values that may stand where any JSON value is expected. */
  isJson as isJsonValue,
  /** Any JSON value, as a decoded config or wire body holds it (type and schema; decoding does not copy). */
  Json as JsonValue
} from "../contract/Json.js"

const hasToJson = (value: object): value is { toJSON: () => unknown } =>
  "toJSON" in value && typeof value.toJSON === "function"

// `undefined` means "no JSON text": object members with such values are left out, array slots become null,
// exactly as JSON.stringify does.
const encode = (value: unknown, ancestors: Set<object>): string | undefined => {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value)
    case "number":
      return Number.isFinite(value) ? JSON.stringify(value) : "null"
    case "boolean":
      return value ? "true" : "false"
    case "bigint":
      // JSON has no big integers; their decimal text keeps distinct values distinct.
      return JSON.stringify(value.toString())
    case "undefined":
    case "function":
    case "symbol":
      return undefined
    case "object": {
      if (value === null) return "null"
      if (ancestors.has(value)) return JSON.stringify("[Circular]")
      if (hasToJson(value)) {
        ancestors.add(value)
        const text = encode(value.toJSON(), ancestors)
        ancestors.delete(value)
        return text
      }
      ancestors.add(value)
      let text: string
      if (Array.isArray(value)) {
        const items: Array<string> = []
        for (const item of value) items.push(encode(item, ancestors) ?? "null")
        text = `[${items.join(",")}]`
      } else {
        const members: Array<string> = []
        for (const key of Object.keys(value).sort()) {
          const member = encode(Reflect.get(value, key), ancestors)
          if (member !== undefined) members.push(`${JSON.stringify(key)}:${member}`)
        }
        text = `{${members.join(",")}}`
      }
      ancestors.delete(value)
      return text
    }
  }
}

/**
 * Canonical JSON text of a value: object keys sorted by UTF-16 code units, no whitespace, numbers as
 * ECMAScript prints them (the RFC 8785 rules). Equal JSON values give equal text whatever their key order.
 */
export const canonicalJson = (value: unknown): string => encode(value, new Set()) ?? "null"
