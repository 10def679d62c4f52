import { describe, expect, it } from "@effect/vitest"
import { Clock, Deferred, Effect, Either, Fiber, Ref, Schema, TestClock } from "effect"
import type { CheckedPipeline } from "../../src/pipeline/Check.js"
import { check, load } from "../../src/pipeline/Check.js"
import type { ModuleCatalog } from "../../src/pipeline/Definition.js"
import { PipelineDefinition } from "../../src/pipeline/Definition.js"
import type { StepCall, StepRunner } from "../../src/pipeline/Execute.js"
import { execute, PipelineInputInvalid, requireSuccess, StepFailure, StepOutputMismatch } from "../../src/pipeline/Execute.js"
import * as T from "../../src/typelang/TypeLanguage.js"
import { catalog, numberOf, sentimentPipeline, textOf } from "./fixtures.js"

/** A runner for the fixture modules, answering from the input alone. */
const fakeRunner: StepRunner = (step) => {
  switch (step.module) {
    case "Trim":
      return Effect.succeed({ text: textOf(step.input).trim(), ignored: 1 })
    case "Sentiment":
      return Effect.succeed({ sentiment: textOf(step.input) === "great" ? "positive" : "neutral", confidence: 0.9 })
    case "Count":
      return Effect.succeed({ n: textOf(step.input).length })
    case "Scale":
      return Effect.succeed({ y: numberOf(step.input, "x") * 2 })
    default:
      return Effect.fail(new StepFailure({ step: step.name, module: step.module, cause: "unexpected module" }))
  }
}

const loadSync = (json: unknown, modules: ModuleCatalog = catalog) => Effect.runSync(load("p", json, modules))

describe("Pipeline execution", () => {
  it.effect("runs the CONTRACTS §3.6 example as a dataflow", () =>
    Effect.gen(function*() {
      const pipeline = loadSync(sentimentPipeline)
      const result = yield* execute(pipeline, { text: "  great  " }, fakeRunner)
      expect(result.success).toBe(true)
      expect(result.outputs).toEqual({ sentiment: "positive", confidence: 0.9 })
      expect(result.steps["clean"]).toEqual({ status: "ok", durationMs: 0 })
      expect(result.failures).toEqual([])
    }))

  it.effect("passes call options, nested literals and escaped strings to the runner", () =>
    Effect.gen(function*() {
      const json = {
        inputs: { text: "String" },
        steps: {
          clean: { module: "Trim", input: { text: "$inputs.text" }, with: { retry: 2 } },
          sum: { module: "Sum", input: { items: [1, "$steps.count.n"], extra: { weight: "$steps.count.n" } } },
          count: { module: "Count", input: { text: "$$literal" } }
        },
        outputs: { all: { clean: "$steps.clean", n: ["$steps.count.n", "$$x"] } }
      }
      const calls: Array<StepCall> = []
      const runner: StepRunner = (step) => {
        calls.push(step)
        return step.module === "Sum" ? Effect.succeed({ total: 0 }) : fakeRunner(step)
      }
      const result = yield* execute(loadSync(json), { text: " a " }, runner)
      const byName = Object.fromEntries(calls.map((c) => [c.name, c]))
      expect(byName["clean"]?.options).toEqual({ retry: 2 })
      expect(byName["count"]?.input).toEqual({ text: "$literal" })
      expect(byName["sum"]?.input).toEqual({ items: [1, 8], extra: { weight: 8 } })
      // Outputs are decoded by the module's output type: the extra field of Trim's answer is gone.
      expect(result.outputs).toEqual({ all: { clean: { text: "a" }, n: [8, "$x"] } })
    }))

  it.effect("validates the pipeline input before running anything", () =>
    Effect.gen(function*() {
      let called = false
      const error = yield* Effect.flip(
        execute(loadSync(sentimentPipeline), { txt: "x" }, (step) => {
          called = true
          return fakeRunner(step)
        })
      )
      expect(error).toBeInstanceOf(PipelineInputInvalid)
      expect(error.mismatches).toEqual([{ path: "text", expected: "String", received: "missing" }])
      expect(error.message).toContain("text: expected String, received missing")
      expect(called).toBe(false)
    }))

  it.effect("fails a step whose output is not of the module's output type, and skips its dependents", () =>
    Effect.gen(function*() {
      const runner: StepRunner = (step) => (step.module === "Trim" ? Effect.succeed({ txt: "x" }) : fakeRunner(step))
      const result = yield* execute(loadSync(sentimentPipeline), { text: "a" }, runner)
      expect(result.success).toBe(false)
      const clean = result.steps["clean"]
      expect(clean?.status).toBe("failed")
      if (clean?.status === "failed") {
        expect(clean.error.cause).toBeInstanceOf(StepOutputMismatch)
        expect(clean.error.message).toContain("text: expected String, received missing")
      }
      expect(result.steps["sent"]).toEqual({ status: "skipped", durationMs: 0, upstream: "clean" })
      expect(result.outputs).toEqual({})
      const failed = yield* Effect.flip(requireSuccess(result))
      expect(failed.failures.map((f) => f.step)).toEqual(["clean"])
    }))

  it.effect("reports attempts counted by the runner and turns defects into step failures", () =>
    Effect.gen(function*() {
      const runner: StepRunner = (step) =>
        step.module === "Trim"
          ? Effect.zipRight(Effect.zipRight(step.attempt, step.attempt), fakeRunner(step))
          : Effect.die(new Error("boom"))
      const result = yield* execute(loadSync(sentimentPipeline), { text: "a" }, runner)
      expect(result.steps["clean"]).toEqual({ status: "ok", durationMs: 0, attempts: 2 })
      const sent = result.steps["sent"]
      expect(sent?.status === "failed" && sent.error.message).toContain("boom")
    }))

  it.effect("skips dependents of a failed step at once, without waiting for other branches", () =>
    Effect.gen(function*() {
      const json = {
        inputs: { text: "String" },
        steps: {
          bad: { module: "Trim", input: { text: "$inputs.text" } },
          after: { module: "Count", input: { text: "$steps.bad.text" } },
          slow: { module: "Count", input: { text: "$inputs.text" } }
        },
        outputs: { slow: "$steps.slow.n", after: "$steps.after.n" }
      }
      const slowStarted = yield* Deferred.make<void>()
      const release = yield* Deferred.make<void>()
      const runner: StepRunner = (step) =>
        step.name === "bad"
          ? Effect.fail(new StepFailure({ step: step.name, module: step.module, cause: "bad input" }))
          : step.name === "slow"
          ? Deferred.succeed(slowStarted, undefined).pipe(Effect.zipRight(Deferred.await(release)), Effect.zipRight(fakeRunner(step)))
          : fakeRunner(step)
      const fiber = yield* Effect.fork(execute(loadSync(json), { text: "abc" }, runner))
      yield* Deferred.await(slowStarted)
      yield* Deferred.succeed(release, undefined)
      const result = yield* Fiber.join(fiber)
      expect(result.steps["after"]).toEqual({ status: "skipped", durationMs: 0, upstream: "bad" })
      expect(result.steps["slow"]?.status).toBe("ok")
      expect(result.outputs).toEqual({ slow: 3 })
      expect(result.failures.map((f) => f.message)).toEqual([
        "step \"bad\" (module \"Trim\") failed: bad input. The steps that need its output were skipped; fix the cause and run the pipeline again."
      ])
    }))

  it.effect("runs independent steps at the same time (diamond)", () =>
    Effect.gen(function*() {
      const json = {
        inputs: { text: "String" },
        steps: {
          a: { module: "Trim", input: { text: "$inputs.text" } },
          b: { module: "Trim", input: { text: "$steps.a.text" } },
          c: { module: "Trim", input: { text: "$steps.a.text" } },
          d: { module: "Tagger", input: { text: "$steps.b.text", lang: "$steps.c.text" } }
        },
        outputs: { tags: "$steps.d.tags" }
      }
      const log = yield* Ref.make<Array<string>>([])
      const runner: StepRunner = (step) =>
        Effect.gen(function*() {
          yield* Ref.update(log, (l) => [...l, `start ${step.name}`])
          yield* Effect.sleep(step.name === "b" ? "30 millis" : "10 millis")
          yield* Ref.update(log, (l) => [...l, `end ${step.name}`])
          return step.module === "Tagger" ? { tags: ["t"] } : { text: "x" }
        })
      const fiber = yield* Effect.fork(execute(loadSync(json), { text: "x" }, runner))
      yield* TestClock.adjust("1 second")
      const result = yield* Fiber.join(fiber)
      expect(result.success).toBe(true)
      const events = yield* Ref.get(log)
      // b and c both start the moment a ends (in either order) and run side by side.
      expect(events.slice(0, 2)).toEqual(["start a", "end a"])
      expect([...events.slice(2, 4)].sort()).toEqual(["start b", "start c"])
      expect(events.slice(4)).toEqual(["end c", "end b", "start d", "end d"])
      expect(result.steps["b"]?.durationMs).toBe(30)
    }))

  it.effect("interrupting a run interrupts its running steps", () =>
    Effect.gen(function*() {
      const started = yield* Deferred.make<void>()
      const interrupted = yield* Deferred.make<void>()
      const runner: StepRunner = () =>
        Deferred.succeed(started, undefined).pipe(
          Effect.zipRight(Effect.never),
          Effect.onInterrupt(() => Deferred.succeed(interrupted, undefined))
        )
      const fiber = yield* Effect.fork(execute(loadSync(sentimentPipeline), { text: "a" }, runner))
      yield* Deferred.await(started)
      yield* Fiber.interrupt(fiber)
      expect(yield* Deferred.isDone(interrupted)).toBe(true)
    }))

  it.effect("runs a pipeline with no steps", () =>
    Effect.gen(function*() {
      const result = yield* execute(loadSync({ inputs: { a: "Int" }, steps: {}, outputs: { a: "$inputs.a", k: 1 } }), { a: 2 }, fakeRunner)
      expect(result).toMatchObject({ success: true, outputs: { a: 2, k: 1 }, steps: {} })
    }))
})

// ---------------------------------------------------------------------------------------------
// Properties over generated DAGs
// ---------------------------------------------------------------------------------------------

/** A generated DAG: step i may read from any earlier step (indices are taken modulo i). */
const Dag = Schema.Array(
  Schema.Struct({
    deps: Schema.Array(Schema.Int.pipe(Schema.between(0, 1000))).pipe(Schema.maxItems(3)),
    duration: Schema.Int.pipe(Schema.between(1, 5)),
    outcome: Schema.Int.pipe(Schema.between(0, 4))
  })
).pipe(Schema.minItems(1), Schema.maxItems(14))

interface Node {
  readonly name: string
  readonly deps: ReadonlyArray<number>
  readonly durationMs: number
  readonly fails: boolean
}

const nodesOf = (dag: typeof Dag.Type): Array<Node> =>
  dag.map((n, i) => ({
    name: `s${i}`,
    deps: i === 0 ? [] : [...new Set(n.deps.map((d) => d % i))],
    durationMs: n.duration * 10,
    fails: n.outcome === 0
  }))

const dagCatalog: ModuleCatalog = new Map([
  ["Node", { input: T.record({ seed: T.int, deps: T.map(T.int) }), output: T.record({ v: T.int }) }]
])

const dagPipeline = (nodes: ReadonlyArray<Node>): CheckedPipeline => {
  const steps = Object.fromEntries(nodes.map((n) => [n.name, {
    module: "Node",
    input: { seed: "$inputs.seed", deps: Object.fromEntries(n.deps.map((d) => [`s${d}`, `$steps.s${d}.v`])) }
  }]))
  const outputs = Object.fromEntries(nodes.map((n) => [n.name, `$steps.${n.name}.v`]))
  const definition = Schema.decodeUnknownSync(PipelineDefinition)({ inputs: { seed: "Int" }, steps, outputs })
  return Either.getOrThrow(check("dag", definition, dagCatalog))
}

interface Span {
  readonly start: number
  readonly end: number
}

const runDag = (nodes: ReadonlyArray<Node>) =>
  Effect.gen(function*() {
    const spans = yield* Ref.make(new Map<string, Span>())
    const index = new Map(nodes.map((n, i) => [n.name, i]))
    const runner: StepRunner = (step) =>
      Effect.gen(function*() {
        const node = nodes[index.get(step.name) ?? -1]
        if (node === undefined) return yield* Effect.die("unknown step")
        const start = yield* Clock.currentTimeMillis
        yield* Effect.sleep(node.durationMs)
        const end = yield* Clock.currentTimeMillis
        yield* Ref.update(spans, (m) => new Map(m).set(step.name, { start, end }))
        if (node.fails) return yield* new StepFailure({ step: step.name, module: step.module, cause: "planned failure" })
        return { v: index.get(step.name) ?? -1 }
      })
    const fiber = yield* Effect.fork(execute(dagPipeline(nodes), { seed: 1 }, runner))
    yield* TestClock.adjust(nodes.reduce((sum, n) => sum + n.durationMs, 0) + 1)
    const result = yield* Fiber.join(fiber)
    return { result, spans: yield* Ref.get(spans) }
  })

describe("Pipeline execution properties", () => {
  it.effect.prop("every step starts exactly when its last input exists (order and overlap)", { dag: Dag }, ({ dag }) =>
    Effect.gen(function*() {
      const nodes = nodesOf(dag).map((n) => ({ ...n, fails: false }))
      const { result, spans } = yield* runDag(nodes)
      expect(result.success).toBe(true)
      for (const node of nodes) {
        const span = spans.get(node.name)
        const ready = Math.max(0, ...node.deps.map((d) => spans.get(`s${d}`)?.end ?? Infinity))
        // Never before an input exists (edges respected), never later (independent steps overlap).
        expect(span?.start).toBe(ready)
        expect(span?.end).toBe(ready + node.durationMs)
      }
      expect(Object.keys(result.outputs)).toHaveLength(nodes.length)
    }), { fastCheck: { numRuns: 50 } })

  it.effect.prop("a failed step fails exactly its transitive dependents", { dag: Dag }, ({ dag }) =>
    Effect.gen(function*() {
      const nodes = nodesOf(dag)
      const { result, spans } = yield* runDag(nodes)
      const status: Array<"ok" | "failed" | "skipped"> = []
      const failedAncestors: Array<Set<string>> = []
      nodes.forEach((node, i) => {
        const ancestors = new Set(node.deps.flatMap((d) => [...(failedAncestors[d] ?? []), ...(status[d] === "failed" ? [`s${d}`] : [])]))
        failedAncestors[i] = ancestors
        status[i] = ancestors.size > 0 ? "skipped" : node.fails ? "failed" : "ok"
      })
      nodes.forEach((node, i) => {
        const report = result.steps[node.name]
        expect(report?.status).toBe(status[i])
        if (report?.status === "skipped") {
          expect(failedAncestors[i]?.has(report.upstream)).toBe(true)
          expect(spans.has(node.name)).toBe(false)
        } else {
          expect(spans.has(node.name)).toBe(true)
        }
        expect(Object.hasOwn(result.outputs, node.name)).toBe(status[i] === "ok")
      })
      expect(result.success).toBe(status.every((s) => s === "ok"))
      expect(result.failures.map((f) => f.step)).toEqual(nodes.filter((_, i) => status[i] === "failed").map((n) => n.name))
    }), { fastCheck: { numRuns: 50 } })
})

describe("Pipeline execution at scale", () => {
  const chain = (n: number, fanOut: boolean) => {
    const steps: Record<string, unknown> = {}
    for (let i = 0; i < n; i++) {
      steps[`s${i}`] = { module: "Scale", input: { x: i === 0 || fanOut ? "$inputs.x" : `$steps.s${i - 1}.y` } }
    }
    return loadSync({ inputs: { x: "Float" }, steps, outputs: { last: `$steps.s${n - 1}.y` } })
  }
  const scale: StepRunner = (step) => Effect.succeed({ y: numberOf(step.input, "x") + 1 })

  it.effect("runs a 2000-step chain and a 2000-step fan-out", () =>
    Effect.gen(function*() {
      const long = yield* execute(chain(2000, false), { x: 0 }, scale)
      expect(long.outputs).toEqual({ last: 2000 })
      const wide = yield* execute(chain(2000, true), { x: 0 }, scale)
      expect(wide.outputs).toEqual({ last: 1 })
      expect(Object.values(wide.steps).every((s) => s.status === "ok")).toBe(true)
    }))
})
