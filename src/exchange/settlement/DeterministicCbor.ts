/**
 * Deterministic CBOR (RFC 8949 §4.2.1) of JSON values: the bytes settlement signatures cover
 * (SETTLEMENT.md decision 3). Encoding is `cborg` with its RFC 8949 options (map keys sorted by
 * their encoded bytes, shortest lossless floats, definite lengths); this file only narrows the input
 * to JSON first, so a value that is not JSON is an answer (`NotEncodable`), not an exception.
 */
import { encode as cborEncode, rfc8949EncodeOptions } from "cborg"

/** The value cannot be encoded (not JSON: undefined, a function, a symbol, a bigint, a cycle). */
export class NotEncodable {
  readonly _tag = "NotEncodable"
  constructor(readonly reason: string) {}
}

type Plain = null | boolean | number | string | ReadonlyArray<Plain> | { readonly [key: string]: Plain }

// Members whose value is undefined are left out, as JSON.stringify does: a signed document read
// back from JSON has no such members, so the bytes must not depend on them.
const toPlain = (value: unknown, ancestors: Set<object>): Plain | NotEncodable => {
  switch (typeof value) {
    case "boolean":
    case "number":
    case "string":
      return value
    case "object": {
      if (value === null) return null
      if (ancestors.has(value)) return new NotEncodable("a cycle")
      ancestors.add(value)
      const result = Array.isArray(value) ? plainArray(value, ancestors) : plainObject(value, ancestors)
      ancestors.delete(value)
      return result
    }
    default:
      return new NotEncodable(`a ${typeof value}`)
  }
}

const plainArray = (items: ReadonlyArray<unknown>, ancestors: Set<object>): Plain | NotEncodable => {
  const out: Array<Plain> = []
  for (const item of items) {
    const plain = toPlain(item, ancestors)
    if (plain instanceof NotEncodable) return plain
    out.push(plain)
  }
  return out
}

const plainObject = (value: object, ancestors: Set<object>): Plain | NotEncodable => {
  const out: Record<string, Plain> = {}
  for (const key of Object.keys(value)) {
    const member: unknown = Reflect.get(value, key)
    if (member === undefined) continue
    const plain = toPlain(member, ancestors)
    if (plain instanceof NotEncodable) return new NotEncodable(`${key}: ${plain.reason}`)
    out[key] = plain
  }
  return out
}

/** Deterministic CBOR bytes of a JSON value, or why it has none. */
export const encode = (value: unknown): Uint8Array | NotEncodable => {
  const plain = toPlain(value, new Set())
  return plain instanceof NotEncodable ? plain : cborEncode(plain, rfc8949EncodeOptions)
}
