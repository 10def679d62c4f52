/**
 * Pipelines whose steps call real providers and in-process modules under their call options:
 * the "Done when" scenarios of issue 5 through `orbiplex pipeline run`'s handler, `on_error` as a
 * step type, options checked at load, and `orbiplex provider check`.
 */
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Option, Schema } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { pipelineRun, pipelineRunHandler } from "../../src/cli/PipelineHandlers.js"
import { providerCheck, providerCheckHandler } from "../../src/cli/ProviderHandlers.js"
import * as InProcessModule from "../../src/pipeline/InProcessModule.js"
import { standardModules } from "../../src/pipeline/StandardModules.js"
import { FIXTURES_DIR, PYTHON, RUN_MARKER } from "../support/Fixture.js"
import { quiet } from "../support/Node.js"
import { expectNoLeftoverProcesses } from "../support/Processes.js"
import { closedPort, echoOutput, entry, PROVIDER_FIXTURE, startProviders, startRemoteFixture, supervisedEntry } from "../provider/support.js"

expectNoLeftoverProcesses()

/** Writes a node config to a fresh folder, removed with the test's scope. */
const writeConfig = (config: Record<string, unknown>) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "orbiplex-pipeline-"))
      const file = Path.join(dir, "node.json")
      // Quiet unless the test log is on: the commands apply the config's log level themselves.
      const node = { log_level: process.env["ORBIPLEX_TEST_LOG"] ? "debug" : "none" }
      Fs.writeFileSync(file, JSON.stringify({ node, ...config }, null, 2))
      return file
    }),
    (file) => Effect.sync(() => Fs.rmSync(Path.dirname(file), { recursive: true, force: true }))
  )

/** A provider of the fixture supervised by the host, in config (JSON) form. */
const supervisedJson = (name: string, path: string, extra: Record<string, unknown> = {}) => ({
  name,
  url: `http://127.0.0.1:0${path}`,
  health_url: "http://127.0.0.1:0/health",
  input_schema: { text: "String" },
  output_schema: { text: "Optional<String>", attempt: "Int" },
  launch: { executable: PYTHON, args: [PROVIDER_FIXTURE, RUN_MARKER], cwd: FIXTURES_DIR },
  stop: { grace_ms: 500 },
  ...extra
})

const onePipeline = (module: string, options: Record<string, unknown>) => ({
  inputs: { text: "String" },
  steps: {
    clean: { module: "Normalize", input: { text: "$inputs.text" } },
    call: { module, input: { text: "$steps.clean.text" }, with: options }
  },
  outputs: { text: "$steps.call.text", attempt: "$steps.call.attempt" }
})

/** Runs an effect with its Console output captured instead of printed. */
const captured = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const lines: Array<string> = []
    const base = yield* Effect.console
    const result = yield* Effect.either(Effect.withConsole(effect, { ...base, log: (...args: ReadonlyArray<unknown>) => Effect.sync(() => void lines.push(args.join(" "))) }))
    return { result, lines }
  })

describe("orbiplex pipeline run (issue 5, Done when)", () => {
  it.scopedLive("a provider that fails twice, with retry: 3, gives the result and shows 3 attempts in the trace", () =>
    Effect.gen(function*() {
      const file = yield* writeConfig({
        providers: [supervisedJson("Flaky", "/flaky?fail=2")],
        pipelines: { flaky: onePipeline("Flaky", { retry: 3, delay: "10ms", backoff: "exponential" }) }
      })
      const { run, text } = yield* pipelineRun({ config: Option.some(file), name: "flaky", input: "{\"text\":\"  hello  world \"}" })
      expect(run.result.success).toBe(true)
      expect(run.result.outputs).toEqual({ text: "hello world", attempt: 3 })
      const printed = JSON.parse(text)
      expect(printed.steps.call).toMatchObject({ status: "ok", attempts: 3, trace: "ok from module after 3 attempts", source: "call" })
      expect(printed.steps.call.attempt_log.map((a: { outcome: string }) => a.outcome)).toEqual(["failure", "failure", "success"])
      expect(printed.steps.call.attempt_log[0].error).toContain("ExecutionFailed: Provider \"Flaky\"")
      expect(printed.steps.call.attempt_log[0].error).toContain("RUNTIME_ERROR: flaky failure 1")
    }).pipe(Effect.provide(NodeContext.layer), quiet))

  it.scopedLive("the same pipeline with the provider down returns the fallback", () =>
    Effect.gen(function*() {
      const port = yield* closedPort
      const fallback = { text: "fallback", attempt: 0 }
      const file = yield* writeConfig({
        providers: [{
          name: "Flaky",
          url: `http://127.0.0.1:${port}/flaky?fail=2`,
          input_schema: { text: "String" },
          output_schema: { text: "Optional<String>", attempt: "Int" }
        }],
        pipelines: { flaky: onePipeline("Flaky", { retry: 3, delay: "10ms", backoff: "exponential", fallback }) }
      })
      const { run, text } = yield* pipelineRun({ config: Option.some(file), name: "flaky", input: "{\"text\":\"hello\"}" })
      expect(run.result.success).toBe(true)
      expect(run.result.outputs).toEqual(fallback)
      const printed = JSON.parse(text)
      expect(printed.steps.call).toMatchObject({ status: "ok", attempts: 4, source: "fallback", trace: "ok from fallback after 4 attempts" })
      expect(printed.steps.call.recovered_from).toMatchObject({ tag: "NetworkError" })
      expect(printed.steps.call.recovered_from.message).toContain("ECONNREFUSED")
    }).pipe(Effect.provide(NodeContext.layer), quiet))

  it.scopedLive("prints the failures and exits non-zero when a step fails; its dependents are skipped", () =>
    Effect.gen(function*() {
      const file = yield* writeConfig({
        providers: [supervisedJson("Refuser", "/bad_request", { output_schema: { text: "String" } })],
        pipelines: {
          refused: {
            inputs: { text: "String" },
            steps: {
              call: { module: "Refuser", input: { text: "$inputs.text" }, with: { retry: 3 } },
              count: { module: "WordCount", input: { text: "$inputs.text" } },
              after: { module: "Normalize", input: { text: "$steps.call.text" } }
            },
            outputs: { words: "$steps.count.words", text: "$steps.after.text" }
          }
        }
      })
      const { lines, result } = yield* captured(pipelineRunHandler({ config: Option.some(file), name: "refused", input: "{\"text\":\"a b\"}" }))
      expect(Either.isLeft(result) && result.left._tag).toBe("PipelineFailed")
      const printed = JSON.parse(lines.join("\n"))
      expect(printed.success).toBe(false)
      expect(printed.outputs).toEqual({ words: 2 })
      expect(printed.steps.call).toMatchObject({ status: "failed", attempts: 1 })
      expect(printed.steps.after).toEqual({ status: "skipped", duration_ms: 0, upstream: "call" })
      expect(printed.failures[0].error).toMatchObject({ tag: "ExecutionFailed", status: 400, code: "TYPE_ERROR", providerMessage: "Field 'text' must be a string" })
      const notJson = yield* Effect.flip(pipelineRun({ config: Option.some(file), name: "refused", input: "{text:1}" }))
      expect(notJson.message).toContain("--input is not JSON")
      const unknown = yield* Effect.flip(pipelineRun({ config: Option.some(file), name: "nope", input: "{}" }))
      expect(unknown.message).toContain("no pipeline named \"nope\"; the config has: refused")
    }).pipe(Effect.provide(NodeContext.layer), quiet))
})

/** An in-process module that fails `failures` times, then echoes. */
const fragile = (failures: number) => {
  let calls = 0
  return InProcessModule.make({
    name: "Fragile",
    input: Schema.Struct({ text: Schema.String }),
    output: Schema.Struct({ text: Schema.String }),
    run: ({ text }) => (++calls <= failures ? Effect.fail(`fragile failure ${calls}`) : Effect.succeed({ text }))
  })
}

const Sleepy = InProcessModule.make({
  name: "Sleepy",
  input: Schema.Struct({ text: Schema.String }),
  output: Schema.Struct({ text: Schema.String }),
  run: ({ text }) => Effect.as(Effect.sleep("5 seconds"), { text })
})

describe("pipelines with providers and in-process modules", () => {
  it.scopedLive("applies call options to in-process steps too (retry, timeout), and provider defaults to provider steps", () =>
    Effect.gen(function*() {
      const fixture = yield* startRemoteFixture()
      const node = yield* startProviders({
        providers: [entry({ name: "Flaky", url: `${fixture.origin}/flaky?fail=2`, with: { retry: 3 } })],
        modules: [...standardModules, fragile(2), Sleepy],
        pipelines: {
          p: {
            inputs: { text: "String" },
            steps: {
              fragile: { module: "Fragile", input: { text: "$inputs.text" }, with: { retry: 2 } },
              flaky: { module: "Flaky", input: { text: "$steps.fragile.text" } },
              sleepy: { module: "Sleepy", input: { text: "$inputs.text" }, with: { timeout: "50ms", on_error: "wrap" } }
            },
            outputs: { text: "$steps.flaky.text", slept: "$steps.sleepy.ok" }
          }
        }
      })
      const { result, trace } = yield* node.pipelines.run("p", { text: "x" })
      expect(result.outputs).toEqual({ text: "x", slept: false })
      expect(result.steps["fragile"]).toMatchObject({ status: "ok", attempts: 3 })
      expect(result.steps["flaky"]).toMatchObject({ status: "ok", attempts: 3 })
      expect(trace.get("fragile")?.report?.attempts.map((a) => a.outcome)).toEqual(["failure", "failure", "success"])
      expect(trace.get("sleepy")?.report?.attempts.map((a) => a.outcome)).toEqual(["timeout"])
    }).pipe(quiet))

  it.scopedLive("on_error: skip gives absent fields (dependents must take them as Optional); wrap gives { ok, value, error }", () =>
    Effect.gen(function*() {
      const fixture = yield* startRemoteFixture()
      const providers = [entry({ name: "Fail", url: `${fixture.origin}/fail`, output_schema: { text: "String" } })]
      const strict = yield* Effect.flip(startProviders({
        providers,
        pipelines: {
          strict: {
            inputs: { text: "String" },
            steps: {
              risky: { module: "Fail", input: { text: "$inputs.text" }, with: { on_error: "skip" } },
              after: { module: "Normalize", input: { text: "$steps.risky.text" } }
            }
          }
        }
      }))
      expect(strict._tag).toBe("PipelinesInvalid")
      expect(strict.message).toContain("\"$steps.risky.text\" is Optional<String>, but module \"Normalize\" expects String")
      expect(strict.message).toContain("declare the input Optional<...>")

      const node = yield* startProviders({
        providers,
        pipelines: {
          lenient: {
            inputs: { text: "String" },
            steps: {
              risky: { module: "Fail", input: { text: "$inputs.text" }, with: { on_error: "skip" } },
              wrapped: { module: "Fail", input: { text: "$inputs.text" }, with: { on_error: "wrap" } },
              words: { module: "Summarize", input: { sentiment: "$inputs.text", confidence: 1, keywords: [] } }
            },
            outputs: { risky: "$steps.risky.text", ok: "$steps.wrapped.ok", error: "$steps.wrapped.error", summary: "$steps.words.summary" }
          }
        }
      })
      const { result, trace } = yield* node.pipelines.run("lenient", { text: "calm" })
      expect(result.success).toBe(true)
      expect(result.outputs).toMatchObject({ ok: false, summary: "calm (100%)", error: { tag: "ExecutionFailed", code: "RUNTIME_ERROR" } })
      expect(result.outputs["risky"]).toBeUndefined()
      expect(trace.get("risky")?.mode).toBe("skip")
      expect(Schema.decodeUnknownSync(Schema.Struct({ message: Schema.String }))(result.outputs["error"]).message).toContain("model not loaded")
    }).pipe(quiet))

  it.scopedLive("refuses at load: unknown options, a fallback of the wrong type, unknown modules, a name used twice; and warns on senseless combinations", () =>
    Effect.gen(function*() {
      const fixture = yield* startRemoteFixture()
      const providers = [entry({ name: "Echo", url: `${fixture.origin}/echo` })]
      const refused = yield* Effect.flip(startProviders({
        providers,
        pipelines: {
          bad: {
            inputs: { text: "String" },
            steps: {
              a: { module: "Echo", input: { text: "$inputs.text" }, with: { retries: 3 } },
              b: { module: "Echo", input: { text: "$inputs.text" }, with: { fallback: { text: 1 } } },
              c: { module: "Ecko", input: { text: "$inputs.text" } }
            }
          }
        }
      }))
      expect(refused.message).toContain("`with.retries`")
      expect(refused.message).toContain("the fallback is not a value of the output type of module \"Echo\"")
      expect(refused.message).toContain("module \"Ecko\" is not in the catalog. Did you mean \"Echo\"?")
      const clash = yield* Effect.flip(startProviders({ providers: [entry({ name: "Normalize", url: `${fixture.origin}/echo` })] }))
      expect(clash.message).toContain("\"Normalize\" is the name of a provider and of an in-process module")

      const node = yield* startProviders({
        providers,
        pipelines: { odd: { inputs: { text: "String" }, steps: { a: { module: "Echo", input: { text: "$inputs.text" }, with: { delay: "1s" } } } } }
      })
      expect(node.pipelines.warnings.map((w) => w.message)).toContain(
        "`delay` only spaces retries and there are none: add `retry: N` or remove `delay`."
      )
      const checked = yield* node.pipelines.check("adhoc", { inputs: { text: "String" }, steps: { e: { module: "Echo", input: { text: "$inputs.text" } } }, outputs: { t: "$steps.e.text" } })
      const ran = yield* node.pipelines.runChecked(checked, { text: "ad hoc" })
      expect(ran.result.outputs).toEqual({ t: "ad hoc" })
    }).pipe(quiet))

  it.scopedLive("concurrency: N bounds the calls of a provider in flight, across every step that calls it", () =>
    Effect.gen(function*() {
      const fixture = yield* startRemoteFixture()
      const node = yield* startProviders({ providers: [entry({ name: "Slow", url: `${fixture.origin}/slow?ms=100` })] })
      const fan = (options: Record<string, unknown>) =>
        Object.fromEntries(["a", "b", "c", "d", "e", "f"].map((s) => [s, { module: "Slow", input: { text: "$inputs.text" }, with: options }]))
      const limited = yield* node.pipelines.check("limited", { inputs: { text: "String" }, steps: fan({ concurrency: 2 }) })
      const run = yield* node.pipelines.runChecked(limited, { text: "x" })
      expect(run.result.success).toBe(true)
      expect((yield* fixture.stats).max_in_flight).toBe(2)
    }).pipe(quiet))

  it.scopedLive("independent provider steps run at the same time", () =>
    Effect.gen(function*() {
      const node = yield* startProviders({ providers: [supervisedEntry("Echo", { url: "http://127.0.0.1:0/slow?ms=300", output_schema: echoOutput })] })
      const steps = Object.fromEntries(["a", "b", "c", "d"].map((s) => [s, { module: "Echo", input: { text: `$inputs.text` } }]))
      const checked = yield* node.pipelines.check("fan", { inputs: { text: "String" }, steps, outputs: { a: "$steps.a.attempt" } })
      const { result, trace } = yield* node.pipelines.runChecked(checked, { text: "x" })
      expect(result.success).toBe(true)
      // Each step's only attempt started before any of them ended.
      const spans = ["a", "b", "c", "d"].map((s) => trace.get(s)?.report?.attempts[0]).map((a) => ({ start: a?.startedAtMs ?? 0, end: (a?.startedAtMs ?? 0) + (a?.durationMs ?? 0) }))
      const lastStart = Math.max(...spans.map((s) => s.start))
      const firstEnd = Math.min(...spans.map((s) => s.end))
      expect(lastStart).toBeLessThan(firstEnd)
    }).pipe(quiet))
})

describe("orbiplex provider check", () => {
  it.scopedLive("health-checks every provider and loads every pipeline, and fails naming what is wrong", () =>
    Effect.gen(function*() {
      const port = yield* closedPort
      const file = yield* writeConfig({
        providers: [
          supervisedJson("Echo", "/echo"),
          { name: "Down", url: `http://127.0.0.1:${port}/invoke`, health_url: `http://127.0.0.1:${port}/health`, input_schema: { text: "String" }, output_schema: { text: "String" } }
        ],
        pipelines: {
          good: onePipeline("Echo", {}),
          bad: onePipeline("Missing", {})
        }
      })
      const report = yield* providerCheck(file)
      expect(report.unhealthy).toEqual(["Down"])
      expect(report.brokenPipelines).toEqual(["bad"])
      expect(report.lines.find((l) => l.startsWith("provider Echo"))).toMatch(/^provider Echo \(supervised, ready\): healthy http:\/\/127\.0\.0\.1:\d+\/health: HTTP 200/)
      expect(report.lines.find((l) => l.startsWith("provider Down"))).toContain("unhealthy")
      expect(report.lines).toContain("pipeline good: ok (2 step(s))")
      const { lines, result } = yield* captured(providerCheckHandler({ config: Option.some(file) }))
      expect(Either.isLeft(result) && result.left.message).toContain("unhealthy provider(s): Down; pipeline(s) that do not load: bad")
      expect(lines.length).toBeGreaterThan(3)
      const broken = yield* writeConfig({ providers: [{ name: "x y", url: "ftp://nowhere", input_schema: { text: "Strin" }, output_schema: {} }] })
      const invalid = yield* Effect.flip(providerCheck(broken))
      expect(invalid.message).toContain("providers[0].name")
      expect(invalid.message).toContain("providers[0].url")
      expect(invalid.message).toContain("providers[0].input_schema")
    }).pipe(Effect.provide(NodeContext.layer), quiet))
})
