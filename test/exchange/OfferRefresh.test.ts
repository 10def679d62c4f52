/**
 * The offer refresh policy as a value: each look waits what the previous look asked for, and the
 * wait is half the shortest offer life, at least one second.
 */
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Duration, Effect, Schedule } from "effect"
import { nextLookMs, refreshSchedule } from "../../src/exchange/OfferPublisher.js"

describe("OfferPublisher refresh", () => {
  it.effect("waits, before each look, what the previous look returned", () =>
    Effect.gen(function*() {
      const delays = yield* Schedule.run(Schedule.delays(refreshSchedule), 0, [21_600_000, 5_000, 1_000])
      expect(Chunk.toReadonlyArray(delays).map(Duration.toMillis)).toEqual([21_600_000, 5_000, 1_000])
    }))

  it("looks again after half the shortest offer life, at most half the configured lifetime, at least 1 s", () => {
    expect(nextLookMs([], 3_600_000)).toBe(1_800_000)
    expect(nextLookMs([{ issued_at_ms: 0, expires_at_ms: 600_000 }, { issued_at_ms: 5, expires_at_ms: 3_600_005 }], 3_600_000)).toBe(300_000)
    expect(nextLookMs([{ issued_at_ms: 0, expires_at_ms: 10 }], 3_600_000)).toBe(1_000)
  })
})
