/**
 * One way to write a duration everywhere: the `_ms` / `_sec` fields of module entries take integers
 * (as before) or duration strings, and provider durations take strings (as before) or integer
 * milliseconds; a bad one is refused with the way to write it.
 */
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, FastCheck, Schema } from "effect"
import { loadNodeConfig } from "../../src/config/ConfigLoader.js"
import { DurationMillis, formatMillis, MillisField } from "../../src/contract/DurationString.js"
import { ProviderEntry } from "../../src/provider/ProviderConfig.js"
import { tempDir, writeFile } from "../support/TempFiles.js"

const module = (fields: Record<string, unknown>) => ({
  id: "m",
  module_id: "mod",
  component_id: "middleware.m",
  launch: { executable: "/usr/bin/python3", cwd: "." },
  ...fields
})

const load = (document: unknown) =>
  Effect.gen(function*() {
    const dir = yield* tempDir
    return yield* Effect.either(loadNodeConfig(writeFile(dir, "node.json", document)))
  }).pipe(Effect.provide(NodeContext.layer))

describe("durations", () => {
  it.scoped("module entries take \"3s\" and 3000 alike, and old integer configs unchanged", () =>
    Effect.gen(function*() {
      const strings = yield* load({
        modules: [module({
          http: { startup_timeout_ms: "15s", request_timeout_ms: "250ms" },
          restart_policy: { window_sec: "2min", backoff: { initial_ms: "100ms", max_ms: "5s", reset_after_ms: "30s" } },
          health: { interval_ms: "5s" },
          stop: { grace_ms: "3s" }
        })]
      })
      const integers = yield* load({
        modules: [module({
          http: { startup_timeout_ms: 15_000, request_timeout_ms: 250 },
          restart_policy: { window_sec: 120, backoff: { initial_ms: 100, max_ms: 5_000, reset_after_ms: 30_000 } },
          health: { interval_ms: 5_000 },
          stop: { grace_ms: 3_000 }
        })]
      })
      if (Either.isLeft(strings) || Either.isLeft(integers)) return yield* Effect.dieMessage("expected both configs to load")
      const [a, b] = [strings.right.modules[0], integers.right.modules[0]]
      expect(a?.stop.grace_ms).toBe(3_000)
      expect(a?.restart_policy.window_sec).toBe(120)
      expect(a?.http.request_timeout_ms).toBe(250)
      expect({ ...a, launch: undefined }).toEqual({ ...b, launch: undefined })
    }))

  it.scoped("a bad duration is refused with the path and the way to write it", () =>
    Effect.gen(function*() {
      const result = yield* load({ modules: [module({ stop: { grace_ms: "three seconds" } })] })
      if (Either.isRight(result)) return yield* Effect.dieMessage("expected a refusal")
      expect(result.left.message).toContain("modules[0].stop.grace_ms")
      expect(result.left.message).toContain("\"2s\"")
      const zero = yield* load({ modules: [module({ http: { request_timeout_ms: "0ms" } })] })
      expect(Either.isLeft(zero)).toBe(true)
    }))

  it("provider timeouts take \"2s\" and 2000 alike", () => {
    const decode = Schema.decodeUnknownSync(ProviderEntry)
    const base = { name: "P", url: "http://127.0.0.1:1/x", input_schema: { a: "String" }, output_schema: { b: "String" } }
    expect(decode({ ...base, timeout: "2s" }).timeout).toBe(2_000)
    expect(decode({ ...base, timeout: 2_000 }).timeout).toBe(2_000)
  })

  it.prop("every whole millisecond count reads the same as an integer and as its formatted string", [FastCheck.nat({ max: 10 * 3_600_000 })], ([millis]) => {
    expect(Schema.decodeUnknownSync(MillisField)(millis)).toBe(millis)
    expect(Schema.decodeUnknownSync(MillisField)(formatMillis(millis))).toBe(millis)
    expect(Schema.decodeUnknownSync(DurationMillis)(millis)).toBe(Schema.decodeUnknownSync(DurationMillis)(formatMillis(millis)))
  })
})
