/**
 * The pipeline path applies call options like any other (on TestClock): whatever the retry policy,
 * a step's reported attempts never exceed retry + 1 and are exactly the calls its module got.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, FastCheck, Fiber, Layer, Schema, TestClock } from "effect"
import * as InProcessModule from "../../src/pipeline/InProcessModule.js"
import * as PipelineNode from "../../src/node/PipelineNode.js"
import { Pipelines } from "../../src/pipeline/Pipelines.js"
import * as LifecycleLog from "../../src/supervisor/LifecycleLog.js"

const policy = FastCheck.record({
  retry: FastCheck.integer({ min: 0, max: 5 }),
  delay: FastCheck.integer({ min: 0, max: 500 }).map((ms) => `${ms}ms`),
  backoff: FastCheck.constantFrom("fixed" as const, "linear" as const, "exponential" as const)
})

/** A module failing `failures` times, then answering; it counts its calls. */
const flaky = (failures: number) => {
  const calls = { n: 0 }
  const module = InProcessModule.make({
    name: "Flaky",
    input: Schema.Struct({ text: Schema.String }),
    output: Schema.Struct({ text: Schema.String }),
    run: ({ text }) => (++calls.n <= failures ? Effect.fail("not yet") : Effect.succeed({ text }))
  })
  return { module, calls }
}

/** Providers and pipelines with `module` as the only in-process module, built in the caller's scope. */
const nodeWith = (module: InProcessModule.InProcessModule<unknown, unknown>) =>
  PipelineNode.layer({ providers: [], pipelines: {}, modules: [module] }).pipe(Layer.provide(LifecycleLog.layer))

describe("StepRunner", () => {
  it.effect.prop("attempts never exceed retry + 1 and equal the module's calls", [policy, FastCheck.integer({ min: 0, max: 7 })], ([options, failures]) =>
    Effect.gen(function*() {
      const { calls, module } = flaky(failures)
      const pipelines = yield* Effect.provide(Pipelines, nodeWith(module))
      const checked = yield* pipelines.check("p", {
        inputs: { text: "String" },
        steps: { s: { module: "Flaky", input: { text: "$inputs.text" }, with: options } },
        outputs: { text: "$steps.s.text" }
      })
      const fiber = yield* Effect.fork(pipelines.runChecked(checked, { text: "x" }))
      yield* TestClock.adjust("1 hour")
      const { result, trace } = yield* Fiber.join(fiber)
      const report = result.steps["s"]
      const attempts = report?.status === "skipped" ? 0 : report?.attempts ?? 0
      expect(attempts).toBeLessThanOrEqual(options.retry + 1)
      expect(attempts).toBe(calls.n)
      expect(trace.get("s")?.report?.attempts.length).toBe(attempts)
      expect(result.success).toBe(failures <= options.retry)
      expect(attempts).toBe(Math.min(failures, options.retry) + 1)
    }).pipe(Effect.scoped))
})
