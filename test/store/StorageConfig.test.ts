import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck, Schema } from "effect"
import { NodeConfig } from "../../src/config/NodeConfig.js"
import { defaultStorage, StorageConfig } from "../../src/config/StorageConfig.js"
import { formatProblems, problemsOf } from "../../src/contract/Problems.js"

const decode = Schema.decodeUnknownEither(StorageConfig, { errors: "all", onExcessProperty: "error" })

describe("StorageConfig", () => {
  it("defaults to SQLite with a week or 100k rows of facts and traces, pruned hourly", () => {
    expect(decode({})).toEqual(Either.right(defaultStorage))
    const config = Schema.decodeUnknownSync(NodeConfig)({})
    expect(config.storage).toEqual(defaultStorage)
  })

  it("reads ages as strings with a unit or integer milliseconds, and names the variable of the URL", () => {
    const decoded = decode({
      postgres: { url_env: "ORBIPLEX_PG_URL" },
      retention: { facts: { max_age: "7d", max_rows: 100_000 }, traces: { max_age: 43_200_000 }, every: "12h" }
    })
    expect(decoded).toEqual(Either.right({
      postgres: { url_env: "ORBIPLEX_PG_URL" },
      retention: {
        facts: { max_age: 604_800_000, max_rows: 100_000 },
        traces: { max_age: 43_200_000, max_rows: 100_000 },
        every: 43_200_000
      }
    }))
    expect(decode({ postgres: {} })).toEqual(Either.right({ ...defaultStorage, postgres: { url_env: "ORBIPLEX_PG_URL" } }))
  })

  it("refuses a URL in the file, a bad age and a bad count, saying what to write", () => {
    const refused = decode({
      postgres: { url: "postgres://user:pw@host/db" },
      retention: { facts: { max_age: "7 weeks" }, traces: { max_rows: 0 } }
    })
    expect(Either.isLeft(refused)).toBe(true)
    if (Either.isLeft(refused)) {
      const text = formatProblems(problemsOf(refused.left))
      expect(text).toContain("postgres.url")
      expect(text).toContain("\"7 weeks\" is not a duration")
      expect(text).toContain("traces.max_rows")
    }
  })

  it.prop("every whole number of days, hours or minutes decodes to its milliseconds", [
    FastCheck.integer({ min: 0, max: 10_000 }),
    FastCheck.constantFrom(["d", 86_400_000] as const, ["h", 3_600_000] as const, ["min", 60_000] as const)
  ], ([amount, [unit, factor]]) => {
    const decoded = decode({ retention: { facts: { max_age: `${amount}${unit}` } } })
    return Either.isRight(decoded) && decoded.right.retention.facts.max_age === amount * factor
  })
})
