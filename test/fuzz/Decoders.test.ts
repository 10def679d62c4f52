/**
 * Issue 9 item 6: the host's decoders under generated and mutated input. Whatever a module, a provider
 * or an operator client sends (any JSON, a valid message with keys dropped or values swapped, deep
 * nesting, truncated or non-UTF-8 text), each decoder answers a typed error or a value: it never throws,
 * and formatting its error for an operator never throws either. Seeded; FUZZ_RUNS raises the counts.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc, Option, Schema } from "effect"
import { decodeAnnouncementLine } from "../../src/contract/Announcement.js"
import { MiddlewareDecision } from "../../src/contract/Decision.js"
import { WorkflowEnvelope } from "../../src/contract/Envelope.js"
import { ErrorBody } from "../../src/contract/ErrorBody.js"
import type { JsonObject } from "../../src/contract/Json.js"
import { ModuleReport } from "../../src/contract/MiddlewareInit.js"
import { formatProblems, problemsOf } from "../../src/contract/Problems.js"
import * as DecisionValidator from "../../src/middleware/DecisionValidator.js"
import { builtinHooks } from "../../src/middleware/BuiltinHooks.js"
import * as Hook from "../../src/middleware/Hook.js"
import { FactList } from "../../src/operator/FactsApi.js"
import { ModuleDetail, ModuleList } from "../../src/operator/ModulesApi.js"
import { Forbidden, MalformedJson, ModuleNotFound, PayloadTooLarge, Unauthorized, UnsupportedMediaType } from "../../src/operator/OperatorErrors.js"
import { TraceList } from "../../src/operator/TracesApi.js"

// Every error body the operator API answers with, as the client decodes it.
const OperatorErrorBody = Schema.Union(ModuleNotFound, Unauthorized, Forbidden, PayloadTooLarge, UnsupportedMediaType, MalformedJson)
import { classify } from "../../src/provider/ProviderClient.js"
import { ProviderEntry } from "../../src/provider/ProviderConfig.js"
import { resolve } from "../../src/provider/ProviderRegistry.js"
import { CallOptions } from "../../src/resilience/CallOptions.js"
import { checkReport } from "../../src/supervisor/ReportCheck.js"
import { anyJson, type Boxed, boxed, mutatedJson, mutatedText, params, parsedOrText, reportCounts, saw } from "./Fuzz.js"

reportCounts("test/fuzz/Decoders.test.ts")

/** A valid sample as any JSON, mutated as JSON, or mutated as text and parsed the way the host parses it. */
const hostile = (sample: JsonObject): fc.Arbitrary<Boxed<unknown>> =>
  boxed(fc.oneof(
    { arbitrary: mutatedJson(sample), weight: 3 },
    { arbitrary: mutatedText(JSON.stringify(sample)).map(parsedOrText), weight: 2 },
    { arbitrary: anyJson, weight: 1 }
  ))

/** Decodes with `errors: "all"` and formats any error the way every boundary of the host does (`problemsOf`). */
const decodeAndFormat = <A, I>(schema: Schema.Schema<A, I>) => {
  const decode = Schema.decodeUnknownEither(schema, { errors: "all" })
  return (input: unknown): Either.Either<A, string> => Either.mapLeft(decode(input), (error) => formatProblems(problemsOf(error)))
}

/** Asserts a decoder's verdict is a value or an error with a message. */
const verdict = <A>(result: Either.Either<A, string>): void => {
  expect(Either.isEither(result)).toBe(true)
  if (Either.isLeft(result)) expect(result.left.length).toBeGreaterThan(0)
}

const report = {
  schema_version: "middleware-module-report.v1",
  module_id: "orbiplex-echo",
  module_name: "Echo",
  description: "echoes",
  module_version: "0.1.0",
  middleware_contract_version: "1.0",
  host_api_version: "1.0",
  capabilities: [{ capability_id: "echo/echo", class: "base", description: "echo" }],
  hooks: ["service.execute"]
}
const decision = {
  schema_version: "middleware-decision.v1",
  decision: "rewrite",
  reason: "because",
  annotations: { lang: "pl" },
  patch_strategy: "json_merge_patch",
  patch: { response: { content: "x", format: "plain-text" }, order: { order_id: "forged" } },
  route: null,
  next_step: null,
  diagnostics: { seen: 1 },
  intents: [{ intent_id: "i1", capability: "inquirium.request", input: { prompt: "hi" } }]
}
const payload = { order: { order_id: "o-1", service_type: "redaction" }, request: { input: { text: "Ala" } } }
const envelope = {
  schema_version: "workflow-envelope.v1",
  envelope_id: "env_1",
  hook: "service.execute",
  correlation_id: "corr_1",
  payload,
  annotations: {},
  intent_results: [{ intent_id: "i1", status: "ok", result: { text: "hi" } }],
  trace: { causality_id: "cause:1", hop: 0, component_path: [{ component_id: "middleware.echo", executor_kind: "http_local_json" }] },
  deadline_ms: 4_800
}
const status = {
  executor_id: "echo",
  module_id: "orbiplex-echo",
  component_id: "middleware.echo",
  state: "ready",
  since: "2026-12-07T00:00:00.000Z",
  pid: 4242,
  port: 47113,
  capabilities: ["echo/echo"],
  hooks: ["service.execute"]
}
const fact = {
  at: "2026-12-07T00:00:00.000Z",
  module_id: "orbiplex-echo",
  executor_id: "echo",
  component_id: "middleware.echo",
  from: "starting",
  to: "ready",
  cause: "ready",
  detail: "pid=1",
  pid: 1,
  port: 2
}

const executeHook = Either.getOrThrow(Hook.compile("service.execute", undefined, builtinHooks.get("service.execute")))
const routeHook = Either.getOrThrow(Hook.compile("dispatch.local", { admits: ["allow", "annotate", "rewrite", "route", "return", "drop", "defer", "reject"], writable: ["response"] }, undefined))
const provider = resolve(Schema.decodeUnknownSync(ProviderEntry)({
  name: "Sentiment",
  url: "http://127.0.0.1:8080/invoke",
  input_schema: { text: "String" },
  output_schema: { sentiment: "String", confidence: "Float", tags: "List<String>", meta: { source: "Optional<String>" } }
}))
const site = { module: "Sentiment", url: "http://127.0.0.1:8080/invoke", executionId: "e-1", attempt: 1 }
const goodOutput = JSON.stringify({ sentiment: "positive", confidence: 0.9, tags: ["a"], meta: {} })
const errorText = JSON.stringify({ error: { code: "RUNTIME_ERROR", message: "model not loaded", details: { hint: "x" } } })

describe("host decoders under hostile input", () => {
  it.prop("announcement line: an announcement or ordinary log output, never a throw", [
    boxed(fc.oneof(mutatedText("{\"event\":\"listening\",\"host\":\"127.0.0.1\",\"port\":47113}"), fc.string({ maxLength: 200 }), anyJson.map((v) => JSON.stringify(v))))
  ], ([{ value: line }]) => {
    saw("announcement")
    const decoded = decodeAnnouncementLine(line)
    expect(Option.isOption(decoded)).toBe(true)
    if (Option.isSome(decoded)) expect(decoded.value.port).toBeGreaterThan(0)
  }, params(2))

  it.prop("module report: a report checked against config and host, or an error naming the fields", [hostile(report)], ([{ value: input }]) => {
    saw("module report")
    const decoded = decodeAndFormat(ModuleReport)(input)
    verdict(decoded)
    if (Either.isRight(decoded)) {
      const checked = checkReport(decoded.right, { module_id: "orbiplex-echo" })
      if (Either.isLeft(checked)) expect(checked.left.detail.length).toBeGreaterThan(0)
    }
  }, params(2))

  it.prop("decision: decoded and validated against a built-in and a route-admitting hook, never a throw", [hostile(decision)], ([{ value: input }]) => {
    saw("decision")
    const decoded = DecisionValidator.decode(input, "fuzz")
    expect(Either.isEither(decoded)).toBe(true)
    if (Either.isLeft(decoded)) {
      expect(decoded.left.message.length).toBeGreaterThan(0)
      return
    }
    for (const hook of [executeHook, routeHook]) {
      const validated = DecisionValidator.validate({
        hook,
        executorId: "fuzz",
        moduleId: "fuzz",
        grants: ["inquirium.request"],
        payload,
        decision: decoded.right,
        checkIntent: () => Option.none()
      })
      expect(["Accepted", "Rejected"]).toContain(validated._tag)
      if (validated._tag === "Accepted") expect(hook.checkPayload(validated.payload)).toEqual([])
    }
  }, params(3))

  it.prop("decision schema against any JSON and deep nesting", [boxed(fc.oneof(anyJson, mutatedText(JSON.stringify(decision)).map(parsedOrText)))], ([{ value: input }]) => {
    saw("decision (any JSON)")
    verdict(decodeAndFormat(MiddlewareDecision)(input))
  }, params(1))

  it.prop("workflow envelope and error body", [hostile(envelope), hostile({ error: { code: "TYPE_ERROR", message: "m", details: {} } })], ([{ value: env }, { value: body }]) => {
    saw("envelope + error body")
    verdict(decodeAndFormat(WorkflowEnvelope)(env))
    verdict(decodeAndFormat(ErrorBody)(body))
  }, params(2))

  it.prop("provider answer: the output or one typed error whose message formats, for any status and body", [
    fc.integer({ min: 100, max: 599 }),
    boxed(fc.oneof(mutatedText(goodOutput), mutatedText(errorText), fc.string({ maxLength: 100 }), anyJson.map((v) => JSON.stringify(v)))),
    fc.option(fc.oneof(fc.constantFrom("0", "1.5", "Wed, 21 Oct 2015 07:28:00 GMT", "-1", "1e999"), fc.string({ maxLength: 20 })), { nil: undefined })
  ], ([code, { value: body }, retryAfter]) => {
    saw("provider answer")
    const result = classify(provider, site, { status: code, body, retryAfter }, 0)
    expect(Either.isEither(result)).toBe(true)
    if (Either.isLeft(result)) {
      expect(result.left.message.length).toBeGreaterThan(0)
      const wait = "retryAfterMs" in result.left ? result.left.retryAfterMs : undefined
      if (wait !== undefined) expect(Number.isFinite(wait) && wait >= 0).toBe(true)
    } else {
      expect(code).toBe(200)
    }
  }, params(3))

  it.prop("provider call options (`with`)", [hostile({ retry: 2, timeout: "2s", delay: "100ms", backoff: "exponential", cache: "5min", concurrency: 2, throttle: "10/1s", on_error: "wrap" })], ([{ value: input }]) => {
    saw("call options")
    verdict(decodeAndFormat(CallOptions)(input))
  }, params(1))

  it.prop("operator API bodies as the client decodes them", [
    hostile({ modules: [status] }),
    hostile({ status, facts: [fact] }),
    hostile({ facts: [fact] }),
    hostile({ _tag: "UnknownModule", executor_id: "x", message: "no module x", known: ["echo"] }),
    hostile({ traces: [] })
  ], ([{ value: list }, { value: detail }, { value: facts }, { value: error }, { value: traces }]) => {
    saw("operator bodies")
    verdict(decodeAndFormat(ModuleList)(list))
    verdict(decodeAndFormat(ModuleDetail)(detail))
    verdict(decodeAndFormat(FactList)(facts))
    verdict(decodeAndFormat(OperatorErrorBody)(error))
    verdict(decodeAndFormat(TraceList)(traces))
  }, params(2))
})
