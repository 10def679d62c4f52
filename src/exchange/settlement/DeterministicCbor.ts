/**
 * Deterministic CBOR (RFC 8949 §4.2.1) of JSON values: the bytes settlement signatures cover.
 * Stopgap until the `cborg` dependency lands (SETTLEMENT.md decision 3 asks for a strict library;
 * `cborg.encode(value, rfc8949EncodeOptions)` should replace `encode`, and the tests pin the bytes
 * both must give). Integral numbers encode as integers, other numbers as the shortest float that
 * keeps the value, map keys sort by their encoded bytes, and every length is definite.
 */

const head = (major: number, length: number | bigint): Uint8Array => {
  const value = BigInt(length)
  const base = major << 5
  if (value < 24n) return Uint8Array.of(base | Number(value))
  if (value < 0x100n) return Uint8Array.of(base | 24, Number(value))
  if (value < 0x10000n) return Uint8Array.of(base | 25, Number(value >> 8n), Number(value & 0xffn))
  if (value < 0x100000000n) {
    const bytes = new Uint8Array(5)
    bytes[0] = base | 26
    new DataView(bytes.buffer).setUint32(1, Number(value))
    return bytes
  }
  const bytes = new Uint8Array(9)
  bytes[0] = base | 27
  new DataView(bytes.buffer).setBigUint64(1, value)
  return bytes
}

// The half-precision bits of `x` when it converts without loss, else undefined.
const toHalf = (x: number): number | undefined => {
  if (Number.isNaN(x)) return 0x7e00
  if (x === Infinity) return 0x7c00
  if (x === -Infinity) return 0xfc00
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0
  const abs = Math.abs(x)
  if (abs === 0) return sign
  const exponent = Math.floor(Math.log2(abs))
  if (exponent > 15) return undefined
  if (exponent >= -14) {
    const mantissa = (abs / 2 ** exponent - 1) * 1024
    if (!Number.isInteger(mantissa) || mantissa >= 1024) return undefined
    return sign | ((exponent + 15) << 10) | mantissa
  }
  const subnormal = abs / 2 ** -24
  return Number.isInteger(subnormal) && subnormal < 1024 ? sign | subnormal : undefined
}

const float = (x: number): Uint8Array => {
  const half = toHalf(x)
  if (half !== undefined) return Uint8Array.of(0xf9, half >> 8, half & 0xff)
  if (Math.fround(x) === x) {
    const bytes = new Uint8Array(5)
    bytes[0] = 0xfa
    new DataView(bytes.buffer).setFloat32(1, x)
    return bytes
  }
  const bytes = new Uint8Array(9)
  bytes[0] = 0xfb
  new DataView(bytes.buffer).setFloat64(1, x)
  return bytes
}

const concat = (parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  const out = new Uint8Array(parts.reduce((total, part) => total + part.length, 0))
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

const compareBytes = (a: Uint8Array, b: Uint8Array): number => {
  const length = Math.min(a.length, b.length)
  for (let i = 0; i < length; i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0)
    if (diff !== 0) return diff
  }
  return a.length - b.length
}

/** The value cannot be encoded (not JSON: undefined, a function, a symbol, a cycle). */
export class NotEncodable {
  readonly _tag = "NotEncodable"
  constructor(readonly reason: string) {}
}

const encodeValue = (value: unknown, ancestors: Set<object>): Uint8Array | NotEncodable => {
  switch (typeof value) {
    case "boolean":
      return Uint8Array.of(value ? 0xf5 : 0xf4)
    case "number":
      if (Number.isSafeInteger(value) && !Object.is(value, -0)) {
        return value >= 0 ? head(0, value) : head(1, -1 - value)
      }
      return float(value)
    case "string": {
      const bytes = new TextEncoder().encode(value)
      return concat([head(3, bytes.length), bytes])
    }
    case "object": {
      if (value === null) return Uint8Array.of(0xf6)
      if (ancestors.has(value)) return new NotEncodable("a cycle")
      ancestors.add(value)
      const parts: Array<Uint8Array> = []
      if (Array.isArray(value)) {
        parts.push(head(4, value.length))
        for (const item of value) {
          const encoded = encodeValue(item, ancestors)
          if (encoded instanceof NotEncodable) return encoded
          parts.push(encoded)
        }
      } else {
        const entries: Array<readonly [Uint8Array, Uint8Array]> = []
        for (const key of Object.keys(value)) {
          const member: unknown = Reflect.get(value, key)
          if (member === undefined) continue
          const encodedKey = encodeValue(key, ancestors)
          const encodedValue = encodeValue(member, ancestors)
          if (encodedKey instanceof NotEncodable) return encodedKey
          if (encodedValue instanceof NotEncodable) return new NotEncodable(`${key}: ${encodedValue.reason}`)
          entries.push([encodedKey, encodedValue])
        }
        entries.sort(([a], [b]) => compareBytes(a, b))
        parts.push(head(5, entries.length))
        for (const [key, member] of entries) parts.push(key, member)
      }
      ancestors.delete(value)
      return concat(parts)
    }
    default:
      return new NotEncodable(`a ${typeof value}`)
  }
}

/** Deterministic CBOR bytes of a JSON value, or why it has none. */
export const encode = (value: unknown): Uint8Array | NotEncodable => encodeValue(value, new Set())
