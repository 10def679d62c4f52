import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, FastCheck, Schema } from "effect"
import { PipelineDefinition } from "../../src/pipeline/Definition.js"
import type { StepRunner } from "../../src/pipeline/Execute.js"
import { execute } from "../../src/pipeline/Execute.js"
import * as InProcessModule from "../../src/pipeline/InProcessModule.js"
import * as Pipeline from "../../src/pipeline/Pipeline.js"
import { fromSchema } from "../../src/pipeline/SchemaType.js"
import { isSubtype, toSchema } from "../../src/typelang/TypeCheck.js"
import type { TypeNode } from "../../src/typelang/TypeLanguage.js"
import * as T from "../../src/typelang/TypeLanguage.js"
import { sentimentPipeline, textOf } from "./fixtures.js"

const Trim = InProcessModule.make({
  name: "Trim",
  input: Schema.Struct({ text: Schema.String }),
  output: Schema.Struct({ text: Schema.String }),
  run: ({ text }) => Effect.succeed({ text: text.trim() })
})

const Shout = InProcessModule.make({
  name: "Shout",
  input: Schema.Struct({ text: Schema.String.pipe(Schema.minLength(1)), times: Schema.optional(Schema.Int) }),
  output: Schema.Struct({ text: Schema.String, at: Schema.Date }),
  run: ({ text, times }) => Effect.succeed({ text: text.toUpperCase().repeat(times ?? 1), at: new Date(0) })
})

/** A provider, declared by signature only: the host's provider client runs it. */
const Sentiment = InProcessModule.external({
  name: "Sentiment",
  input: Schema.Struct({ text: Schema.String }),
  output: Schema.Struct({ sentiment: Schema.String, confidence: Schema.Finite })
})

const provider: StepRunner = (step) =>
  Effect.succeed({ sentiment: textOf(step.input) === "great" ? "positive" : "neutral", confidence: 0.5 })

const sentiment = Pipeline.make({ inputs: Schema.Struct({ text: Schema.String }) })
  .step("clean", Trim, (r) => ({ text: r.inputs.text }))
  .step("sent", Sentiment, (r) => ({ text: r.steps.clean.text }), sentimentPipeline.steps.sent.with)
  .outputs((r) => ({ sentiment: r.steps.sent.sentiment, confidence: r.steps.sent.confidence }))

describe("Pipeline builder", () => {
  it("produces the definition the JSON loader produces", () => {
    expect(sentiment.definition).toEqual(Schema.decodeUnknownSync(PipelineDefinition)(sentimentPipeline))
  })

  it.effect("runs in-process modules and providers mixed in one pipeline", () =>
    Effect.gen(function*() {
      const checked = yield* sentiment.check("sentiment")
      const result = yield* execute(checked, { text: "  great " }, sentiment.runner(provider))
      expect(result.outputs).toEqual({ sentiment: "positive", confidence: 0.5 })
      expect(result.success).toBe(true)
    }))

  it.effect("encodes module outputs to JSON and decodes inputs with the module's own Schema", () =>
    Effect.gen(function*() {
      const built = Pipeline.make({ inputs: Schema.Struct({ text: Schema.String }) })
        .step("clean", Trim, (r) => ({ text: r.inputs.text }))
        .step("loud", Shout, (r) => ({ text: r.steps.clean.text, times: 2 }))
        .outputs((r) => ({ loud: r.steps.loud }))
      const checked = yield* built.check("loud")
      const ok = yield* execute(checked, { text: " hi " }, built.runner())
      expect(ok.outputs).toEqual({ loud: { text: "HIHI", at: "1970-01-01T00:00:00.000Z" } })
      // A refinement the type language cannot express still holds at run time.
      const refused = yield* execute(checked, { text: "   " }, built.runner())
      expect(refused.steps["loud"]?.status).toBe("failed")
      expect(refused.failures[0]?.message).toContain("minLength")
    }))

  it("writes references, escaped literals and nested mappings as the JSON notation does", () => {
    const Tagger = InProcessModule.external({
      name: "Tagger",
      input: Schema.Struct({ meta: Schema.Struct({ text: Schema.String, tags: Schema.Array(Schema.String) }) }),
      output: Schema.Struct({ ok: Schema.Boolean })
    })
    const built = Pipeline.make({ inputs: Schema.Struct({ text: Schema.String }) })
      .step("tag", Tagger, (r) => ({ meta: { text: "$5", tags: [r.inputs.text, "plain"] } }))
      .outputs((r) => ({ all: r.steps.tag, literal: 3 }))
    expect(built.definition.steps["tag"]?.input).toEqual({ meta: { text: "$$5", tags: ["$inputs.text", "plain"] } })
    expect(built.definition.outputs).toEqual({ all: "$steps.tag", literal: 3 })
  })

  it("keeps builders immutable: two branches from one base are independent", () => {
    const base = Pipeline.make({ inputs: Schema.Struct({ text: Schema.String }) }).step("clean", Trim, (r) => ({ text: r.inputs.text }))
    const a = base.step("a", Trim, (r) => ({ text: r.steps.clean.text })).outputs((r) => ({ a: r.steps.a.text }))
    const b = base.outputs((r) => ({ b: r.steps.clean.text }))
    expect(Object.keys(a.definition.steps)).toEqual(["clean", "a"])
    expect(Object.keys(b.definition.steps)).toEqual(["clean"])
  })

  it("is checked by the compiler and, as a safety net, by the checker", () => {
    const inputs = Schema.Struct({ text: Schema.String, n: Schema.Int })
    const wrongType = Pipeline.make({ inputs })
      // @ts-expect-error: `n` is a number where Trim takes a string
      .step("bad", Trim, (r) => ({ text: r.inputs.n }))
      .outputs(() => ({}))
    const missing = Pipeline.make({ inputs })
      // @ts-expect-error: Trim needs `text`
      .step("bad", Trim, () => ({}))
      .outputs(() => ({}))
    const unknownStep = Pipeline.make({ inputs })
      // @ts-expect-error: there is no step `nope`
      .step("bad", Trim, (r) => ({ text: r.steps.nope.text }))
      .outputs(() => ({}))
    const kinds = (built: Pipeline.BuiltPipeline<unknown, unknown>) =>
      Either.match(built.check("p"), { onLeft: (e) => e.problems.filter((p) => p.severity === "error").map((p) => p.kind), onRight: () => [] })
    expect(kinds(wrongType)).toEqual(["TypeMismatch"])
    expect(kinds(missing)).toEqual(["MissingInput"])
    expect(kinds(unknownStep)).toEqual(["UnknownStep"])
  })

  it("refuses a module whose Schema has no RFC-024 type, a duplicate step and a name clash", () => {
    const Pair = InProcessModule.external({
      name: "Pair",
      input: Schema.Struct({ pair: Schema.Tuple(Schema.String, Schema.Number) }),
      output: Schema.Struct({ ok: Schema.Boolean })
    })
    const OtherTrim = InProcessModule.make({
      name: "Trim",
      input: Schema.Struct({ text: Schema.String }),
      output: Schema.Struct({ text: Schema.String }),
      run: Effect.succeed
    })
    const built = Pipeline.make({ inputs: Schema.Struct({ text: Schema.String }) })
      .step("p", Pair, () => ({ pair: ["a", 1] as const }))
      .step("t", Trim, (r) => ({ text: r.inputs.text }))
      .step("t", OtherTrim, (r) => ({ text: r.inputs.text }))
      .outputs(() => ({}))
    const error = Either.flip(built.check("bad"))
    const problems = Either.isRight(error) ? error.right.problems : []
    expect(problems.map((p) => [p.kind, p.step])).toEqual([
      ["InvalidDefinition", "p"],
      ["InvalidStepName", "t"],
      ["InvalidDefinition", "t"],
      ["UnknownModule", "p"]
    ])
    expect(problems[0]?.message).toContain("the field pair")
  })

  it.effect("checks against providers known only to the node config", () =>
    Effect.gen(function*() {
      const Remote = InProcessModule.externalTyped({ name: "Remote", input: T.record({ text: T.string }), output: T.record({ n: T.int }) })
      const built = Pipeline.make({ inputs: Schema.Struct({ text: Schema.String }) })
        .step("r", Remote, (r) => ({ text: r.inputs.text }))
        .outputs((r) => ({ n: r.steps.r }))
      const checked = yield* built.check("remote", { catalog: new Map([["Other", { input: T.string, output: T.string }]]) })
      expect(checked.steps.map((s) => s.module)).toEqual(["Remote"])
    }))
})

describe("SchemaType", () => {
  const typeOf = <A, I>(schema: Schema.Schema<A, I>) =>
    Either.match(fromSchema(schema), { onLeft: (e) => e.message, onRight: T.describe })

  it("reads the JSON type of a Schema", () => {
    class Person extends Schema.Class<Person>("Person")({ name: Schema.String }) {}
    const schema = Schema.Struct({
      a: Schema.String,
      b: Schema.Int,
      c: Schema.Number,
      d: Schema.Boolean,
      e: Schema.Array(Schema.Int),
      f: Schema.Record({ key: Schema.String, value: Schema.Number }),
      g: Schema.NullOr(Schema.String),
      h: Schema.optional(Schema.Int),
      i: Schema.Date,
      j: Schema.Literal("x", "y"),
      k: Schema.Int.pipe(Schema.positive()),
      l: Schema.NonEmptyString,
      m: Schema.optionalWith(Schema.Int, { default: () => 1 }),
      n: Person,
      o: Schema.NumberFromString
    })
    expect(typeOf(schema)).toBe(
      "{ a: String, b: Int, c: Float, d: Boolean, e: List<Int>, f: Map<String,Float>, g: Optional<String>, h: Optional<Int>, " +
        "i: String, j: String, k: Int, l: String, m: Optional<Int>, n: { name: String }, o: String }"
    )
  })

  it("refuses what the type language cannot say, naming the field", () => {
    expect(typeOf(Schema.Struct({ t: Schema.Tuple(Schema.String) }))).toContain("the field t")
    expect(typeOf(Schema.Struct({ u: Schema.Union(Schema.String, Schema.Number) }))).toContain("unions other than X | null")
    expect(typeOf(Schema.Struct({ s: Schema.SymbolFromSelf }))).toContain("has no RFC-024 type")
    expect(typeOf(Schema.Unknown)).toContain("has no RFC-024 type")
  })

  const collapse = (t: TypeNode): TypeNode => {
    switch (t._tag) {
      case "Optional":
        return t.inner._tag === "Optional" ? collapse(t.inner) : T.optional(collapse(t.inner))
      case "List":
        return T.list(collapse(t.element))
      case "Map":
        return T.map(collapse(t.value))
      case "Record":
        return T.record(Object.fromEntries(Object.entries(t.fields).map(([k, v]) => [k, collapse(v)])))
      default:
        return t
    }
  }
  const typeArb: FastCheck.Arbitrary<TypeNode> = FastCheck.letrec<{ type: TypeNode }>((tie) => ({
    type: FastCheck.oneof(
      { depthSize: "small" },
      FastCheck.constantFrom(T.string, T.int, T.float, T.boolean),
      tie("type").map(T.list),
      tie("type").map(T.map),
      tie("type").map(T.optional),
      FastCheck.dictionary(FastCheck.stringMatching(/^[a-z]{1,4}$/), tie("type"), { maxKeys: 3 }).map(T.record)
    )
  })).type

  it.prop("reads back the type of every Schema the type language builds", { type: typeArb }, ({ type }) => {
    const back = fromSchema(toSchema(type))
    expect(Either.isRight(back) && T.equals(back.right, collapse(type))).toBe(true)
    expect(Either.isRight(back) && isSubtype(type, back.right)).toBe(true)
  })
})
