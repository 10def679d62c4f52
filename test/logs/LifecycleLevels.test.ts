/**
 * The levels of the host's lifecycle lines: a crash is a WARN (a restart may follow), `failed` an
 * ERROR, an ordinary transition INFO.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Logger } from "effect"
import { LifecycleFact } from "../../src/contract/LifecycleFact.js"
import * as LifecycleLog from "../../src/supervisor/LifecycleLog.js"

const fact = (to: LifecycleFact["to"], cause: LifecycleFact["cause"]) =>
  LifecycleFact.make({
    at: "2026-12-07T05:00:00.000Z",
    module_id: "orbiplex-x",
    executor_id: "x",
    component_id: "middleware.x",
    from: "ready",
    to,
    cause,
    detail: ""
  })

describe("lifecycle lines", () => {
  it.effect("log a crash at WARN, failed at ERROR, the rest at INFO", () =>
    Effect.gen(function*() {
      const levels: Array<string> = []
      const capture = Logger.make(({ logLevel }) => void levels.push(logLevel.label))
      const log = yield* LifecycleLog.make
      yield* Effect.forEach(
        [fact("ready", "ready"), fact("starting", "crash"), fact("failed", "budget-exhausted"), fact("degraded", "health-change")],
        log.publish,
        { discard: true }
      ).pipe(Effect.provide(Logger.replace(Logger.defaultLogger, capture)))
      expect(levels).toEqual(["INFO", "WARN", "ERROR", "WARN"])
    }))
})
