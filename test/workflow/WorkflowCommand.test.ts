/**
 * `orbiplex workflow run` (src/cli/WorkflowCommand.ts), called through its handler with captured
 * stdout/stderr: a shipped template by name, phases printed as they start and end, the outcome as
 * a line or as JSON, a non-zero outcome for a failed run, and the operator-facing errors. Also the
 * line formatting and the exchange config sections, and the shipped example config.
 */
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Option } from "effect"
import * as Path from "node:path"
import { eventLine, outcomeLines } from "../../src/cli/WorkflowLines.js"
import { loadExchangeConfig, type Output, workflowRunHandler } from "../../src/cli/WorkflowHandlers.js"
import { splitDocument } from "../../src/exchange/ExchangeConfig.js"
import type { RunEvent } from "../../src/workflow/WorkflowRun.js"
import { REPO_ROOT } from "../support/Fixture.js"
import { expectNoLeftoverProcesses } from "../support/Processes.js"
import { tempDir, writeFile } from "../support/TempFiles.js"
import { ARCA_GRANTS, bundledEntryJson, readJsonObject, storyProfiles } from "../exchange/ExchangeHarness.js"

expectNoLeftoverProcesses()

const capture = () => {
  const out: Array<string> = []
  const err: Array<string> = []
  const output: Output = {
    out: (line) => Effect.sync(() => void out.push(line)),
    err: (line) => Effect.sync(() => void err.push(line))
  }
  return { out, err, output }
}

/** A node config file for the story providers and Arca, in a temp folder. */
const storyConfig = (depths = { redaction: 6, illustration: 6 }, extra: Record<string, unknown> = {}) =>
  Effect.gen(function*() {
    const dir = yield* tempDir
    const modules = [
      ...Object.entries(storyProfiles(depths)).map(([id, settings]) =>
        bundledEntryJson("dator", id, { grants: ["inquirium.request"], settings })
      ),
      bundledEntryJson("arca", "arca", { grants: ARCA_GRANTS, http: { max_response_bytes: 1_048_576 } })
    ]
    // A one-shot run has no operator to accept the redaction orders (auto_accept false): accepted in advance.
    const file = writeFile(dir, "node.json", {
      node: { id: "cli-test", data_dir: "./data", log_level: "none" },
      modules,
      procurement: { acceptance: "automatic" },
      ...extra
    })
    return { dir, file }
  })

const args = (template: string, file: string, more: { json?: boolean; params?: string; runId?: string; newRunId?: string } = {}) => ({
  template,
  config: Option.some(file),
  json: more.json ?? false,
  params: Option.fromNullable(more.params),
  runId: Option.fromNullable(more.runId),
  newRunId: Option.fromNullable(more.newRunId)
})

describe("orbiplex workflow run", () => {
  it.scopedLive("runs a shipped template by name, printing each phase as it starts and ends, and the outcome", () =>
    Effect.gen(function*() {
      const { dir, file } = yield* storyConfig()
      const { err, out, output } = capture()
      const outcome = yield* workflowRunHandler(args("morning-briefing", file, { params: "{\"date\": \"2026-03-30\"}", newRunId: "cli-1" }), output)
      expect(outcome.status).toBe("completed")
      expect(err).toEqual([])
      expect(out).toEqual(expect.arrayContaining([
        "module middleware.arca ready orbiplex-arca 0.1.0 [arca/workflow-orchestration, arca/phase-retry-and-publication-shaping]",
        "module middleware.dator-news ready orbiplex-dator 0.1.0 [dator/exchange-service-publication, dator/service-execution-shaping]",
        "workflow morning-briefing run cli-1 started on arca",
        "phase news (1/4) started: 2 step(s)",
        "  news-1 dispatched (attempt 1/3)",
        "phase redaction (2/4) started: 6 step(s)",
        "phase packaging (4/4) completed",
        "workflow morning-briefing run cli-1 completed in 5 moves: 4 phases, 15 steps, 102.00 ORC",
        "staged: morning-briefing/briefing.json",
        `run saved in ${Path.join(dir, "data", "workflows", "cli-1.json")}`
      ]))
      expect(out.filter((line) => line.startsWith("offer "))).toHaveLength(3)
      const phases = out.filter((line) => line.startsWith("phase "))
      expect(phases).toEqual([
        "phase news (1/4) started: 2 step(s)",
        "phase news (1/4) completed",
        "phase redaction (2/4) started: 6 step(s)",
        "phase redaction (2/4) completed",
        "phase illustration (3/4) started: 6 step(s)",
        "phase illustration (3/4) completed",
        "phase packaging (4/4) started: 1 step(s)",
        "phase packaging (4/4) completed"
      ])
    }).pipe(Effect.provide(NodeContext.layer)))

  it.scopedLive("--json prints the run as JSON on stdout (lines go to stderr); a failed run fails the command", () =>
    Effect.gen(function*() {
      const { dir, file } = yield* storyConfig()
      const template = writeFile(dir, "underpaid.json", {
        template_id: "underpaid",
        phases: [{
          phase_id: "news",
          retry: { max_attempts: 2, backoff: { initial: "10ms", max: "20ms" } },
          steps: [{
            step_id: "cheap",
            kind: "remote-paid",
            provider_id: "local:dator-news",
            service_type: "news.topical",
            price: 1,
            currency: "ORC",
            input: {}
          }]
        }]
      })
      const { err, out, output } = capture()
      const failed = yield* Effect.either(workflowRunHandler(args(template, file, { json: true, newRunId: "cli-2" }), output))
      expect(Either.isLeft(failed)).toBe(true)
      if (Either.isLeft(failed)) {
        expect(failed.left.message).toBe(
          `workflow run cli-2 ended failed (phase-failed); the run is saved in ${Path.join(dir, "data", "workflows", "cli-2.json")}`
        )
      }
      expect(out).toHaveLength(1)
      const json = JSON.parse(out[0] ?? "{}")
      expect(json).toMatchObject({
        run_id: "cli-2",
        status: "failed",
        failure: { code: "phase-failed", source: "arca", phase_id: "news", step_id: "cheap" },
        state: { status: "failed" }
      })
      expect(err).toEqual(expect.arrayContaining([
        expect.stringMatching(/^  cheap attempt 1\/2 failed: order rejected: price-exceeded .*; retry at /),
        "phase news (1/1) FAILED (phase-failed)",
        expect.stringMatching(/^workflow underpaid run cli-2 FAILED \(phase-failed, phase news, step cheap\): /)
      ]))
      // Asking for the same run id again resumes it, which for a run Arca ended just reports it.
      const again = capture()
      const repeated = yield* Effect.either(workflowRunHandler(args(template, file, { runId: "cli-2" }), again.output))
      expect(Either.isLeft(repeated)).toBe(true)
      expect(again.out.some((line) => line.includes("dispatched"))).toBe(false)
    }).pipe(Effect.provide(NodeContext.layer)))

  it.scopedLive("names what is wrong: an unknown template lists the shipped ones; bad params; bad config sections", () =>
    Effect.gen(function*() {
      const { file } = yield* storyConfig()
      const unknown = yield* Effect.either(workflowRunHandler(args("evening-briefing", file), capture().output))
      expect(Either.isLeft(unknown) ? unknown.left.message : "").toBe(
        "cannot use workflow template \"evening-briefing\": no such file, and no shipped template of that name (shipped: morning-briefing)"
      )
      const params = yield* Effect.either(workflowRunHandler(args("morning-briefing", file, { params: "[1]" }), capture().output))
      expect(Either.isLeft(params) ? params.left.message : "").toContain("--params must be a JSON object")
      const bad = yield* storyConfig(undefined, { workflow: { approve_transitions: "yes" }, catalog: { offer_ttl: "soon" } })
      const invalid = yield* Effect.either(workflowRunHandler(args("morning-briefing", bad.file), capture().output))
      expect(Either.isLeft(invalid) ? invalid.left.message : "").toContain("has 2 problems; nothing was started")
      expect(Either.isLeft(invalid) ? invalid.left.message : "").toContain("workflow.approve_transitions")
      expect(Either.isLeft(invalid) ? invalid.left.message : "").toContain("catalog.offer_ttl")
    }).pipe(Effect.provide(NodeContext.layer)))
})

describe("examples/story-006.json", () => {
  it.effect("decodes: three Dator instances of the bundled module with their profiles, and Arca with its grants", () =>
    Effect.gen(function*() {
      const { config, settings } = yield* loadExchangeConfig(Path.join(REPO_ROOT, "examples", "story-006.json"))
      expect(config.modules.map((entry) => [entry.id, entry.module_id, entry.component_id])).toEqual([
        ["dator-news", "orbiplex-dator", "middleware.dator-news"],
        ["dator-redaction", "orbiplex-dator", "middleware.dator-redaction"],
        ["dator-illustration", "orbiplex-dator", "middleware.dator-illustration"],
        ["arca", "orbiplex-arca", "middleware.arca"]
      ])
      expect(config.modules[3]?.grants).toEqual(ARCA_GRANTS)
      expect(config.modules[0]?.hooks).toEqual(["service.publish", "service.execute"])
      expect(settings.workflow.approve_transitions).toBe(false)
      // The example runs as a one-shot `workflow run` with no operator at hand: it accepts in advance.
      expect(settings.procurement.acceptance).toBe("automatic")
      expect(config.node.data_dir).toBe(Path.join(REPO_ROOT, "data", "story-006"))
      expect(readJsonObject(Path.join(REPO_ROOT, "examples", "story-006.json"))["workflow"]).toBeUndefined()
    }).pipe(Effect.provide(NodeContext.layer)))
})

describe("exchange config sections", () => {
  it("splits catalog/procurement/workflow off a config document, defaults applied, every problem listed", () => {
    const split = splitDocument({ node: { id: "n" }, workflow: { approve_transitions: true, executor: "arca-2" }, catalog: { offer_ttl: "1h" } })
    expect(Either.isRight(split)).toBe(true)
    if (Either.isRight(split)) {
      expect(split.right.rest).toEqual({ node: { id: "n" } })
      expect(split.right.settings.workflow).toMatchObject({ approve_transitions: true, executor: "arca-2", max_moves: 1_000, invoke_attempts: 5 })
      expect(split.right.settings.catalog).toEqual({ offer_ttl: 3_600_000, publish_on_start: true, refresh: true })
      // Offer terms stand unless the operator accepts in advance: auto_accept false makes orders wait.
      expect(split.right.settings.procurement).toEqual({ acceptance: "offer-terms", providers: {}, settlement: { rail: "none" } })
    }
    const bad = splitDocument({ procurement: { settlement: { rail: "ledger" } }, workflow: { max_moves: 0, typo: 1 } })
    expect(Either.isLeft(bad) ? bad.left.map((p) => p.path).sort() : []).toEqual([
      "procurement.settlement.rail",
      "workflow.max_moves",
      "workflow.typo"
    ])
  })
})

describe("workflow lines", () => {
  const event = (name: string, detail: RunEvent["detail"]): RunEvent => ({ source: "arca", event: name, run_id: "wf-1", move: 2, at_ms: 0, detail })
  const phases = ["news", "redaction", "illustration", "packaging"]

  it("prints phases with their position, retries with the error and the time, and hides routine host events", () => {
    expect(eventLine(event("workflow/phase-started", { phase_id: "redaction", steps: 6 }), phases)).toEqual(
      Option.some("phase redaction (2/4) started: 6 step(s)")
    )
    expect(eventLine(event("workflow/step-retry-scheduled", {
      phase_id: "news",
      step_id: "news-2",
      attempt: 1,
      max_attempts: 3,
      retry_at_ms: 1_774_850_430_000,
      error: "order rejected: queue-saturated (provider queue is full)"
    }), phases)).toEqual(Option.some(
      "  news-2 attempt 1/3 failed: order rejected: queue-saturated (provider queue is full); retry at 2026-03-30 06:00:30Z"
    ))
    expect(eventLine(event("workflow/transition-refused", { transition_id: "swap-1", step_id: "redact-3", detail: "refused (policy)" }))).toEqual(
      Option.some("  transition swap-1 refused for redact-3: refused (policy)")
    )
    expect(eventLine({ ...event("host/intent-finished", { intent_id: "x#1", status: "ok" }), source: "host" })).toEqual(Option.none())
    expect(eventLine({ ...event("host/arca-unavailable", { executor_id: "arca", attempt: 1, attempts: 5, error: "down" }), source: "host" }))
      .toEqual(Option.some("! arca unavailable (attempt 1/5): down"))
  })

  it("sums what was paid per currency in the closing line", () => {
    const lines = outcomeLines({
      run_id: "wf-1",
      workflow_id: "morning-briefing",
      status: "completed",
      moves: 7,
      state: { summary: { phases_done: 4, steps_done: 15, price_total: { ORC: 10_200 }, staged: ["a.json"] } }
    }, "/data/workflows/wf-1.json")
    expect(lines).toEqual([
      "workflow morning-briefing run wf-1 completed in 7 moves: 4 phases, 15 steps, 102.00 ORC",
      "staged: a.json",
      "run saved in /data/workflows/wf-1.json"
    ])
  })
})
