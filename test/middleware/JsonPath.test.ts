import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck, Schema } from "effect"
import {
  Any,
  covers,
  format,
  meets,
  parsePath,
  parsePattern,
  PathPatternString,
  patternsMeet
} from "../../src/middleware/JsonPath.js"

const segmentsOf = (text: string) =>
  Either.getOrThrowWith(parsePattern(text), (error) => new Error(error.message)).segments

describe("JsonPath.parsePattern", () => {
  it("reads dot keys, * wildcards and quoted keys", () => {
    expect(segmentsOf("offer.pricing.*")).toStrictEqual(["offer", "pricing", Any])
    expect(segmentsOf("response.content")).toStrictEqual(["response", "content"])
    expect(segmentsOf("*.signature")).toStrictEqual([Any, "signature"])
    expect(segmentsOf(`a["b.c"].d`)).toStrictEqual(["a", "b.c", "d"])
    expect(segmentsOf(`["*"].["say \\"hi\\""]`)).toStrictEqual(["*", "say \"hi\""])
  })

  it.each([
    ["", "empty"],
    ["a..b", "empty"],
    [".a", "empty"],
    ["a.", "missing after the last dot"],
    ["a*", "unexpected"],
    ["*a", "whole key"],
    [`a["b`, "unterminated"],
    [`a["b"`, "expected ]"],
    ["a b", "unexpected"]
  ])("refuses %j, saying why", (text, why) => {
    const result = parsePattern(text)
    expect(Either.isLeft(result)).toBe(true)
    if (Either.isLeft(result)) {
      expect(result.left._tag).toBe("InvalidPathPattern")
      expect(result.left.message).toContain(JSON.stringify(text))
      expect(result.left.message).toContain(why)
    }
  })

  it("PathPatternString refuses a bad pattern at decode time with the reason", () => {
    expect(Schema.decodeUnknownSync(PathPatternString)("offer.*")).toBe("offer.*")
    expect(() => Schema.decodeUnknownSync(PathPatternString)("offer..x")).toThrow(/a key is empty/)
  })
})

describe("JsonPath.format", () => {
  it("writes plain keys bare and quotes the rest", () => {
    expect(format(["offer", "pricing"])).toBe("offer.pricing")
    expect(format(["a.b", "c"])).toBe(`["a.b"].c`)
    expect(format(["", "*", "x y"])).toBe(`[""]["*"]["x y"]`)
    expect(format([])).toBe("")
  })

  it.prop(
    "parsePath reads back what format writes",
    [FastCheck.array(FastCheck.string({ maxLength: 5 }), { minLength: 1, maxLength: 4 })],
    ([path]) => {
      expect(parsePath(format(path))).toStrictEqual(Either.right(path))
    }
  )

  it("parsePath refuses wildcards", () => {
    expect(Either.isLeft(parsePath("a.*"))).toBe(true)
  })
})

describe("JsonPath matching", () => {
  it("covers: the path is the pattern's match or beneath it", () => {
    expect(covers(segmentsOf("offer.*"), ["offer", "price"])).toBe(true)
    expect(covers(segmentsOf("offer.*"), ["offer", "price", "amount"])).toBe(true)
    expect(covers(segmentsOf("offer.*"), ["offer"])).toBe(false)
    expect(covers(segmentsOf("trace"), ["trace", "hop"])).toBe(true)
    expect(covers(segmentsOf("trace"), ["tracer"])).toBe(false)
  })

  it("meets: one lies on the other's line", () => {
    expect(meets(segmentsOf("*.signature"), ["offer"])).toBe(true)
    expect(meets(segmentsOf("*.signature"), ["offer", "signature", "x"])).toBe(true)
    expect(meets(segmentsOf("*.signature"), ["offer", "price"])).toBe(false)
  })

  it("patternsMeet compares wildcards on both sides", () => {
    expect(patternsMeet(segmentsOf("offer.*"), segmentsOf("*.signature"))).toBe(true)
    expect(patternsMeet(segmentsOf("offer.pricing.*"), segmentsOf("*.signature"))).toBe(false)
    expect(patternsMeet(segmentsOf("a"), segmentsOf("a.b.c"))).toBe(true)
  })
})
