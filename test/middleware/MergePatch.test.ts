import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck, Schema } from "effect"
import {
  apply,
  arbitraryJson,
  equals,
  fromEntries,
  getAt,
  isJson,
  isObject,
  type Json,
  JsonObjectValue,
  leafPaths,
  JsonValue
} from "../../src/middleware/MergePatch.js"

const parse = (text: string): Json => {
  const value: unknown = JSON.parse(text)
  if (!isJson(value)) throw new Error(`test vector is not JSON: ${text}`)
  return value
}

// RFC 7396 Appendix A, all fifteen rows, written as original / patch / result.
const appendixA: ReadonlyArray<readonly [string, string, string]> = [
  [`{"a":"b"}`, `{"a":"c"}`, `{"a":"c"}`],
  [`{"a":"b"}`, `{"b":"c"}`, `{"a":"b","b":"c"}`],
  [`{"a":"b"}`, `{"a":null}`, `{}`],
  [`{"a":"b","b":"c"}`, `{"a":null}`, `{"b":"c"}`],
  [`{"a":["b"]}`, `{"a":"c"}`, `{"a":"c"}`],
  [`{"a":"c"}`, `{"a":["b"]}`, `{"a":["b"]}`],
  [`{"a":{"b":"c"}}`, `{"a":{"b":"d","c":null}}`, `{"a":{"b":"d"}}`],
  [`{"a":[{"b":"c"}]}`, `{"a":[1]}`, `{"a":[1]}`],
  [`["a","b"]`, `["c","d"]`, `["c","d"]`],
  [`{"a":"b"}`, `["c"]`, `["c"]`],
  [`{"a":"foo"}`, `null`, `null`],
  [`{"a":"foo"}`, `"bar"`, `"bar"`],
  [`{"e":null}`, `{"a":1}`, `{"e":null,"a":1}`],
  [`[1,2]`, `{"a":"b","c":null}`, `{"a":"b"}`],
  [`{}`, `{"a":{"bb":{"ccc":null}}}`, `{"a":{"bb":{}}}`]
]

// RFC 7396 §3, the worked example.
const section3 = {
  target: `{"title":"Goodbye!","author":{"givenName":"John","familyName":"Doe"},"tags":["example","sample"],"content":"This will be unchanged"}`,
  patch: `{"title":"Hello!","phoneNumber":"+01-123-456-7890","author":{"familyName":null},"tags":["example"]}`,
  result: `{"title":"Hello!","author":{"givenName":"John"},"tags":["example"],"content":"This will be unchanged","phoneNumber":"+01-123-456-7890"}`
}

// The RFC's pseudo-code, run on a private deep copy: the reference `apply` must agree with.
const reference = (target: Json, patch: Json): Json => {
  if (!isObject(patch)) return patch
  const out: Record<string, Json> = isObject(target) ? structuredClone({ ...target }) : {}
  for (const key of Object.keys(patch)) {
    const value = patch[key] ?? null
    if (value === null) delete out[key]
    else {
      Object.defineProperty(out, key, {
        value: reference(Object.hasOwn(out, key) ? out[key] ?? null : null, value),
        enumerable: true,
        writable: true,
        configurable: true
      })
    }
  }
  return out
}

const deepFreeze = (value: Json): Json => {
  if (typeof value === "object" && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child)
    Object.freeze(value)
  }
  return value
}

describe("MergePatch.apply", () => {
  it.each(appendixA.map((row, i) => [i + 1, ...row] as const))(
    "RFC 7396 Appendix A row %i: %s + %s",
    (_row, original, patch, result) => {
      expect(apply(parse(original), parse(patch))).toStrictEqual(parse(result))
    }
  )

  it("RFC 7396 section 3 example", () => {
    expect(apply(parse(section3.target), parse(section3.patch))).toStrictEqual(parse(section3.result))
  })

  it("shares untouched branches and returns the target itself for a no-op patch", () => {
    const target = parse(`{"a":{"x":1},"b":{"y":2}}`)
    const result = apply(target, parse(`{"b":{"y":3}}`))
    expect(isObject(result) && isObject(target) && result["a"] === target["a"]).toBe(true)
    expect(apply(target, parse(`{"zz":null}`))).toBe(target)
    expect(apply(target, {})).toBe(target)
  })

  it("treats __proto__ and constructor as ordinary keys", () => {
    const target = parse(`{"__proto__":{"a":1},"constructor":2}`)
    const result = apply(target, parse(`{"__proto__":{"b":2},"constructor":null,"toString":{"c":3}}`))
    expect(equals(result, parse(`{"__proto__":{"a":1,"b":2},"toString":{"c":3}}`))).toBe(true)
    expect(isObject(result) && Object.getPrototypeOf(result) === Object.prototype).toBe(true)
    expect(Reflect.get({}, "b")).toBeUndefined()
  })

  it.prop("applying {} to an object returns it unchanged", [JsonObjectValue], ([object]) => {
    expect(apply(object, {})).toBe(object)
  })

  it.prop("is idempotent", [JsonValue, JsonValue], ([target, patch]) => {
    const once = apply(target, patch)
    expect(equals(apply(once, patch), once)).toBe(true)
  })

  it.prop("agrees with the RFC pseudo-code", [JsonValue, JsonValue], ([target, patch]) => {
    expect(equals(apply(target, patch), reference(target, patch))).toBe(true)
  })

  it.prop("never mutates its inputs", [JsonValue, JsonValue], ([target, patch]) => {
    const before = [structuredClone(target), structuredClone(patch)] as const
    // Frozen inputs make any write throw (ES modules are strict).
    apply(deepFreeze(target), deepFreeze(patch))
    expect(equals(target, before[0]) && equals(patch, before[1])).toBe(true)
  })
})

describe("MergePatch.leafPaths", () => {
  it("descends non-empty objects; null, scalars, arrays and {} are leaves", () => {
    expect(leafPaths(parse(`{"a":{"b":1,"c":null,"d":{},"e":[1]},"f":"x"}`))).toStrictEqual([
      ["a", "b"],
      ["a", "c"],
      ["a", "d"],
      ["a", "e"],
      ["f"]
    ])
  })

  it("a non-object patch writes the root; {} writes nothing", () => {
    expect(leafPaths(parse(`[1]`))).toStrictEqual([[]])
    expect(leafPaths(null)).toStrictEqual([[]])
    expect(leafPaths({})).toStrictEqual([])
  })

  it.prop("each leaf ends as written: deleted for null, the value otherwise", [JsonValue, JsonObjectValue], ([target, patch]) => {
    const result = apply(target, patch)
    for (const path of leafPaths(patch)) {
      const written = getAt(patch, path) ?? null
      const now = getAt(result, path)
      if (written === null) expect(now).toBeUndefined()
      else if (isObject(written)) expect(isObject(now)).toBe(true)
      else expect(now).toBe(written)
    }
  })
})

describe("MergePatch.JsonValue", () => {
  it("decodes JSON without copying and refuses what is not JSON", () => {
    const value = parse(`{"a":[1,{"b":null}]}`)
    expect(Schema.decodeUnknownSync(JsonValue)(value)).toBe(value)
    for (const bad of [undefined, Number.NaN, Infinity, () => 1, new Date(0), { a: undefined }, [1n]]) {
      expect(Either.isLeft(Schema.decodeUnknownEither(JsonValue)(bad))).toBe(true)
    }
  })

  it("refuses a cyclic structure instead of looping", () => {
    const cyclic: Record<string, unknown> = {}
    cyclic["self"] = cyclic
    expect(isJson(cyclic)).toBe(false)
  })

  it("fromEntries keeps __proto__ as a key", () => {
    const object = fromEntries([["__proto__", 1]])
    expect(Object.keys(object)).toStrictEqual(["__proto__"])
  })

  it.prop("generated values are JSON", [arbitraryJson(FastCheck, 4)], ([value]) => {
    expect(isJson(value)).toBe(true)
  })
})
