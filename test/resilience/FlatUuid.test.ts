import { describe, expect, it } from "@effect/vitest"
import { randomUuid } from "../../src/resilience/FlatUuid.js"

const uuidV4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

describe("randomUuid", () => {
  it("gives version 4 UUIDs, none repeated, across several refills of its entropy", () => {
    // 256 ids per refill: 2000 ids read the generator eight times.
    const ids = Array.from({ length: 2000 }, randomUuid)
    for (const id of ids) expect(id).toMatch(uuidV4)
    expect(new Set(ids).size).toBe(ids.length)
  })

  it("uses every hex digit in the random positions", () => {
    const digits = new Set(Array.from({ length: 200 }, randomUuid).join("").replaceAll("-", ""))
    expect([...digits].sort().join("")).toBe("0123456789abcdef")
  })
})
