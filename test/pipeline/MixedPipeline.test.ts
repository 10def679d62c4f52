/**
 * The example of issue 5 as CI runs it: `examples/pipeline.json`, a pipeline of TypeScript, Python
 * and Node.js steps, run through the `pipeline run` command's handler with real provider processes.
 */
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { fileURLToPath } from "node:url"
import { pipelineRun } from "../../src/cli/PipelineHandlers.js"
import { providerCheck } from "../../src/cli/ProviderHandlers.js"
import { quiet } from "../support/Node.js"

const EXAMPLE = fileURLToPath(new URL("../../examples/pipeline.json", import.meta.url))

describe("examples/pipeline.json", () => {
  it.live("runs TypeScript, Python and Node.js steps in one pipeline", () =>
    Effect.gen(function*() {
      const { run, text } = yield* pipelineRun({
        config: Option.some(EXAMPLE),
        name: "review",
        input: JSON.stringify({ text: "  I love   this great battery,\n the battery is excellent  " })
      })
      expect(run.result.success).toBe(true)
      expect(run.result.outputs).toEqual({
        sentiment: "positive",
        confidence: 1,
        keywords: ["battery", "excellent", "great", "love"],
        words: 9,
        summary: "positive (100%), about battery, excellent, great, love, 9 words"
      })
      const json = JSON.parse(text)
      expect(json.steps.sentiment).toMatchObject({ status: "ok", attempts: 1, trace: "ok from module after 1 attempt", source: "call" })
    }).pipe(Effect.provide(NodeContext.layer), quiet))

  it.live("passes `orbiplex provider check`", () =>
    Effect.gen(function*() {
      const report = yield* providerCheck(EXAMPLE)
      expect(report.unhealthy).toEqual([])
      expect(report.brokenPipelines).toEqual([])
      expect(report.health.map((h) => [h.name, h.outcome])).toEqual([["Sentiment", "healthy"], ["Keywords", "healthy"]])
      expect(report.lines).toContain("pipeline review: ok (5 step(s))")
    }).pipe(Effect.provide(NodeContext.layer), quiet))
})
