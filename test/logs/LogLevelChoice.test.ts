/**
 * `--log-level` wins over the config's `node.log_level`; without it the config's level applies.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, FiberRef, Logger, LogLevel } from "effect"
import { layerLogLevel } from "../../src/logs/LogLevelChoice.js"

const minimum = FiberRef.get(FiberRef.currentMinimumLogLevel)

describe("the log level a command runs at", () => {
  it.effect("is the config's when no --log-level was given", () =>
    Effect.gen(function*() {
      expect(yield* minimum.pipe(Effect.provide(layerLogLevel("debug")))).toBe(LogLevel.Debug)
      expect(yield* minimum.pipe(Effect.provide(layerLogLevel("warning")))).toBe(LogLevel.Warning)
    }))

  it.effect("is --log-level's when given (the CLI sets it around the command)", () =>
    Effect.gen(function*() {
      const level = yield* minimum.pipe(Effect.provide(layerLogLevel("info")), Logger.withMinimumLogLevel(LogLevel.Debug))
      expect(level).toBe(LogLevel.Debug)
      const quiet = yield* minimum.pipe(Effect.provide(layerLogLevel("debug")), Logger.withMinimumLogLevel(LogLevel.Error))
      expect(quiet).toBe(LogLevel.Error)
    }))
})
