import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import type { CheckOptions } from "../../src/pipeline/Check.js"
import { load } from "../../src/pipeline/Check.js"
import type { PipelineProblem } from "../../src/pipeline/Problem.js"
import { formatProblem } from "../../src/pipeline/Problem.js"
import { describe as describeType } from "../../src/typelang/TypeLanguage.js"
import { catalog, sentimentPipeline } from "./fixtures.js"

const problemsOf = (json: unknown, options?: CheckOptions) =>
  Effect.runSync(
    load("p", json, catalog, options).pipe(
      Effect.match({ onFailure: (e) => e.problems, onSuccess: (c) => c.warnings })
    )
  )

const only = (json: unknown, kind: PipelineProblem["kind"]) => {
  const problems = problemsOf(json).filter((p) => p.kind === kind)
  expect(problems).toHaveLength(1)
  const [problem] = problems
  if (problem === undefined) return expect.fail("no problem")
  return problem
}

const pipeline = (steps: Record<string, unknown>, outputs: Record<string, unknown> = {}, inputs: unknown = { text: "String" }) => ({
  inputs,
  steps,
  outputs
})

describe("Pipeline load-time checks", () => {
  it.effect("loads the CONTRACTS §3.6 example with no problem", () =>
    Effect.gen(function*() {
      const checked = yield* load("sentiment", sentimentPipeline, catalog)
      expect(checked.warnings).toEqual([])
      expect(checked.steps.map((s) => [s.name, s.dependencies])).toEqual([["clean", []], ["sent", [0]]])
      expect(describeType(checked.outputType)).toBe("{ sentiment: String, confidence: Float }")
      expect(checked.steps[1]?.options).toEqual(sentimentPipeline.steps.sent.with)
    }))

  it("refuses an unknown module, suggesting the closest", () => {
    const problem = only(pipeline({ a: { module: "Sentimnt", input: { text: "$inputs.text" } } }), "UnknownModule")
    expect(problem).toMatchObject({ severity: "error", pipeline: "p", step: "a", field: "module" })
    expect(problem.message).toContain("module \"Sentimnt\" is not in the catalog. Did you mean \"Sentiment\"?")
  })

  it("refuses an unknown field in a step reference and in an input reference", () => {
    const steps = {
      clean: { module: "Trim", input: { text: "$inputs.txt" } },
      sent: { module: "Sentiment", input: { text: "$steps.clean.txt" } }
    }
    const problems = problemsOf(pipeline(steps, { s: "$steps.sent.sentiment" })).filter((p) => p.kind === "UnknownField")
    expect(problems.map((p) => [p.step, p.field])).toEqual([["clean", "input.text"], ["sent", "input.text"]])
    expect(problems[0]?.message).toContain("the pipeline has no input \"txt\". Did you mean \"text\"?")
    expect(problems[1]?.message).toContain("has no field \"txt\". Did you mean \"text\"?")
  })

  it("refuses a field of an output that is not a record", () => {
    const steps = { d: { module: "Digits", input: { text: "$inputs.text" } } }
    const problem = only(pipeline(steps, { first: "$steps.d.first" }), "UnknownField")
    expect(problem.field).toBe("outputs.first")
    expect(problem.message).toContain("reference the whole output as \"$steps.d\"")
  })

  it("refuses a reference to an unknown step", () => {
    const steps = { clean: { module: "Trim", input: { text: "$inputs.text" } } }
    const problem = only(pipeline(steps, { out: "$steps.claen.text" }), "UnknownStep")
    expect(problem.field).toBe("outputs.out")
    expect(problem.message).toContain("there is no step \"claen\". Did you mean \"clean\"?")
  })

  it("refuses a cycle and names it", () => {
    const steps = {
      a: { module: "Trim", input: { text: "$steps.c.text" } },
      b: { module: "Trim", input: { text: "$steps.a.text" } },
      c: { module: "Trim", input: { text: "$steps.b.text" } },
      self: { module: "Trim", input: { text: "$steps.self.text" } },
      free: { module: "Trim", input: { text: "$inputs.text" } }
    }
    const problems = problemsOf(pipeline(steps)).filter((p) => p.kind === "Cycle")
    expect(problems.map((p) => p.message.split(" (")[0])).toEqual([
      "steps form a cycle: a → b → c → a",
      "steps form a cycle: self → self"
    ])
  })

  it("refuses a type mismatch along an edge", () => {
    const steps = {
      count: { module: "Count", input: { text: "$inputs.text" } },
      scale: { module: "Scale", input: { x: "$steps.count.n" } },
      maybe: { module: "Trim", input: { text: "$steps.count.maybe" } },
      whole: { module: "Trim", input: "$steps.count" }
    }
    const problems = problemsOf(pipeline(steps)).filter((p) => p.kind === "TypeMismatch")
    expect(problems.map((p) => [p.step, p.field])).toEqual([["scale", "input.x"], ["maybe", "input.text"], ["whole", "input"]])
    expect(problems[0]?.message).toContain("\"$steps.count.n\" is Int, but module \"Scale\" expects Float. Int and Float are distinct")
    expect(problems[1]?.message).toContain("The source may be absent or null")
  })

  it("accepts subtypes along edges: a record with extra fields, T into Optional<T>", () => {
    const steps = {
      sent: { module: "Sentiment", input: { text: "$inputs.text" } },
      tag: { module: "Tagger", input: { text: "$steps.sent.sentiment", lang: "$inputs.text" } },
      whole: { module: "Trim", input: "$steps.tag" }
    }
    // `whole` reads { tags } where { text } is needed: that one must still be refused.
    const problems = problemsOf(pipeline(steps)).filter((p) => p.severity === "error")
    expect(problems.map((p) => p.step)).toEqual(["whole"])
  })

  it("refuses a literal that is not of the input type", () => {
    const steps = { scale: { module: "Scale", input: { x: "abc" } } }
    const problem = only(pipeline(steps, {}, {}), "TypeMismatch")
    expect(problem.message).toContain("the literal \"abc\" is not a value of the input type Float")
  })

  it("refuses a step input that nothing provides", () => {
    const steps = { clean: { module: "Trim", input: {} }, sum: { module: "Sum", input: { items: [1, 2], extra: {} } } }
    const problems = problemsOf(pipeline(steps, {}, {})).filter((p) => p.kind === "MissingInput")
    expect(problems.map((p) => [p.step, p.field])).toEqual([["clean", "input.text"], ["sum", "input.extra.weight"]])
    expect(problems[0]?.message).toContain("module \"Trim\" needs the input field \"text\" (String) and nothing provides it")
  })

  it("does not require an Optional input", () => {
    const steps = { tag: { module: "Tagger", input: { text: "$inputs.text" } } }
    expect(problemsOf(pipeline(steps, { tags: "$steps.tag.tags" }))).toEqual([])
  })

  it("refuses a fallback that is not a value of the output type", () => {
    const steps = { sent: { module: "Sentiment", input: { text: "$inputs.text" }, with: { fallback: { sentiment: "neutral" } } } }
    const problem = only(pipeline(steps), "FallbackMismatch")
    expect(problem).toMatchObject({ step: "sent", field: "with.fallback" })
    expect(problem.message).toContain("confidence: expected Float, received missing")
  })

  it("warns about an unused pipeline input and still loads", () => {
    const steps = { clean: { module: "Trim", input: { text: "$inputs.text" } } }
    const problems = problemsOf(pipeline(steps, {}, { text: "String", unused: "Int" }))
    expect(problems).toEqual([
      expect.objectContaining({ severity: "warning", kind: "UnusedInput", field: "inputs.unused" })
    ])
  })

  it("warns about a mapped field the module does not take", () => {
    const steps = { clean: { module: "Trim", input: { text: "$inputs.text", txet: "x" } } }
    const problem = only(pipeline(steps), "ExtraField")
    expect(problem).toMatchObject({ severity: "warning", field: "input.txet" })
  })

  it("refuses a malformed reference and accepts an escaped literal $", () => {
    const steps = { clean: { module: "Trim", input: { text: "$step.clean.text" } }, ok: { module: "Trim", input: { text: "$$5" } } }
    const problem = only(pipeline(steps), "MalformedReference")
    expect(problem.step).toBe("clean")
    expect(problem.message).toContain("write $$ for a literal text that starts with $")
  })

  it("refuses a malformed definition with the position of a malformed type", () => {
    const problems = problemsOf({ inputs: { text: "List<Float" }, steps: { a: { input: {} } } })
    expect(problems.every((p) => p.kind === "InvalidDefinition")).toBe(true)
    expect(problems.map((p) => p.field)).toEqual(["inputs.text", "steps.a.module"])
    expect(problems[0]?.message).toMatch(/^expected ">" at 10 in "List<Float"/)
  })

  it("refuses a step name that cannot be referenced", () => {
    const problem = only(pipeline({ "a.b": { module: "Trim", input: { text: "$inputs.text" } } }), "InvalidStepName")
    expect(problem.step).toBe("a.b")
  })

  it("passes `with` to a caller's validator and reports what it finds", () => {
    const steps = { clean: { module: "Trim", input: { text: "$inputs.text" }, with: { retry: -1 } } }
    const problems = problemsOf(pipeline(steps), {
      validateStepOptions: ({ options }) => (typeof options["retry"] === "number" && options["retry"] < 0 ? ["retry must be >= 0"] : [])
    })
    expect(problems).toEqual([expect.objectContaining({ kind: "InvalidOptions", step: "clean", field: "with", message: "retry must be >= 0" })])
  })

  it.effect("lists every problem at once, each with pipeline, step, field and a fix", () =>
    Effect.gen(function*() {
      const json = pipeline(
        {
          a: { module: "Nope", input: { text: "$inputs.text" } },
          b: { module: "Scale", input: { x: "$steps.c.n" } },
          c: { module: "Count", input: { text: "$steps.b.y" } },
          d: { module: "Sentiment", input: { text: "$steps.zz" }, with: { fallback: 1 } }
        },
        { out: "$steps.d.mood" },
        { text: "String", extra: "Int" }
      )
      const error = yield* Effect.flip(load("big", json, catalog))
      const kinds = error.problems.map((p) => p.kind).sort()
      expect(kinds).toEqual([
        "Cycle",
        "FallbackMismatch",
        "TypeMismatch",
        "TypeMismatch",
        "UnknownField",
        "UnknownModule",
        "UnknownStep",
        "UnusedInput"
      ])
      expect(error.message).toMatch(/^pipeline "big" was not loaded: 7 problems:\n/)
      for (const problem of error.problems) {
        expect(formatProblem(problem)).toMatch(/^pipeline "big"/)
        expect(problem.message.length).toBeGreaterThan(40)
      }
      expect(Either.isLeft(Either.left(error))).toBe(true)
    }))
})
