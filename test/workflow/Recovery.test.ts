/**
 * "Done when" of issue 4: killing a module's process while a workflow runs shows a restart and loses
 * no step (each is retried or reported, never silently skipped), and so does a host that stops mid-run
 * and resumes from the store. Intent ids are idempotency keys: an id already run for the run is
 * answered from its stored outcome, never run twice.
 */
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Layer, Option, Queue } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { isJsonObject, type JsonObject } from "../../src/contract/Json.js"
import { defaultExchange } from "../../src/exchange/ExchangeConfig.js"
import { deterministic, InquiriumProvider } from "../../src/capability/Inquirium.js"
import type { RunEvent } from "../../src/workflow/WorkflowRun.js"
import { expectNoLeftoverProcesses } from "../support/Processes.js"
import { overwriteRun, storedRun } from "./StoredRuns.js"
import { acceptedInAdvance, arcaEntry, fastRetries, get, MORNING_TEMPLATE, pidOf, readJsonObject, sigkill, startExchange, storyDators } from "../exchange/ExchangeHarness.js"

expectNoLeftoverProcesses()

const morning = (): JsonObject => fastRetries(readJsonObject(MORNING_TEMPLATE))
const modules = () => [...storyDators({ redaction: 6, illustration: 6 }), arcaEntry()]

const collect = () => {
  const events: Array<RunEvent> = []
  return { events, push: (event: RunEvent) => Effect.sync(() => void events.push(event)) }
}

const started = (events: ReadonlyArray<RunEvent>) =>
  events.filter((e) => e.event === "host/intent-started").map((e) => String(e.detail["intent_id"]))

/** Every step done, none skipped: each has an output, and a retried step has its failed attempts recorded. */
const expectNoLostStep = (state: JsonObject) => {
  const steps = get(state, "steps")
  expect(isJsonObject(steps) ? Object.keys(steps).length : 0).toBe(15)
  for (const [id, step] of Object.entries(isJsonObject(steps) ? steps : {})) {
    expect({ id, status: get(step, "status") }).toEqual({ id, status: "done" })
    expect(get(step, "output")).toBeDefined()
    const attempts = Number(get(step, "attempts"))
    const errors = get(step, "errors")
    expect(attempts - 1).toBe(Array.isArray(errors) ? errors.length : 0)
  }
}

describe("recovery (issue 4, done when)", () => {
  it.scopedLive("SIGKILL of Arca mid-workflow: the supervisor restarts it and the run completes with no step lost", () =>
    Effect.gen(function*() {
      const node = yield* startExchange(modules())
      const first = yield* pidOf(node, "arca")
      const { events, push } = collect()
      const outcome = yield* node.runner.start({ template: morning(), runId: "wf-kill-arca" }, {
        onEvent: (event) =>
          Effect.zipRight(
            push(event),
            event.event === "workflow/phase-started" && event.detail["phase_id"] === "redaction" ? sigkill(first) : Effect.void
          )
      })
      expect(outcome.status).toBe("completed")
      expectNoLostStep(outcome.state)
      const facts = (yield* node.log.history("arca")).map((fact) => `${fact.to}:${fact.cause}`)
      expect(facts).toContain("starting:crash")
      expect(facts.slice(facts.indexOf("starting:crash"))).toContain("ready:ready")
      expect(yield* pidOf(node, "arca")).not.toBe(first)
      // No intent id ran twice.
      const ids = started(events)
      expect(new Set(ids).size).toBe(ids.length)
    }))

  it.scopedLive("SIGKILL of a Dator while it holds an order: the order is finished by its restarted instance or retried", () =>
    Effect.gen(function*() {
      const entered = yield* Queue.unbounded<string>()
      const release = yield* Deferred.make<void>()
      let gated = false
      // Holds the first redaction order's model work until the test has killed the Dator that asked for it.
      const provider = Layer.succeed(InquiriumProvider, InquiriumProvider.of({
        name: "gated-once",
        complete: (request) =>
          Effect.suspend(() => {
            if (gated || !(request.system ?? "").includes("ola-redaction")) return deterministic.complete(request)
            gated = true
            return Queue.offer(entered, request.prompt).pipe(
              Effect.zipRight(Deferred.await(release)),
              Effect.zipRight(deterministic.complete(request))
            )
          })
      }))
      const node = yield* startExchange(modules(), { inquirium: provider })
      const { events, push } = collect()
      const run = yield* Effect.fork(node.runner.start({ template: morning(), runId: "wf-kill-dator" }, { onEvent: push }))
      yield* Queue.take(entered)
      const first = yield* pidOf(node, "dator-redaction")
      yield* sigkill(first)
      yield* node.supervisor.awaitStatus("dator-redaction", (status) => status.state === "ready" && status.pid !== first).pipe(Effect.orDie)
      yield* Deferred.succeed(release, undefined)
      const outcome = yield* Fiber.join(run)
      expect(outcome.status).toBe("completed")
      expectNoLostStep(outcome.state)
      const facts = (yield* node.log.history("dator-redaction")).map((fact) => `${fact.to}:${fact.cause}`)
      expect(facts).toContain("starting:crash")
      const ids = started(events)
      expect(new Set(ids).size).toBe(ids.length)
    }))

  it.scopedLive("a host stopped mid-run resumes from the store: recorded steps are not run again, the rest run once", () =>
    Effect.gen(function*() {
      const first = yield* startExchange(modules())
      const stopped = yield* Deferred.make<void>()
      const life1 = collect()
      const run = yield* Effect.fork(first.runner.start({ template: morning(), runId: "wf-host-restart" }, {
        onEvent: (event) =>
          Effect.zipRight(
            life1.push(event),
            // The host "dies" right after move 4 is persisted, before its intents run.
            event.event === "workflow/phase-started" && event.detail["phase_id"] === "illustration"
              ? Effect.zipRight(Deferred.succeed(stopped, undefined), Effect.never)
              : Effect.void
          )
      }))
      yield* Deferred.await(stopped)
      yield* Fiber.interrupt(run)
      yield* first.close
      const saved = yield* storedRun(first.dataDir, "wf-host-restart")
      expect(saved.host.status).toBe("running")
      expect(get(saved.state, "phases", "illustration", "status")).toBe("running")
      expect(get(saved.state, "steps", "illustrate-1", "status")).toBe("running")

      const second = yield* startExchange(modules(), { dataDir: first.dataDir })
      const life2 = collect()
      const outcome = yield* second.runner.resume("wf-host-restart", { onEvent: life2.push })
      expect(outcome.status).toBe("completed")
      expectNoLostStep(outcome.state)
      expect(life2.events[0]?.event).toBe("host/run-resumed")
      // Life 1 ran the news and redaction orders; life 2 ran only what had not run.
      expect(started(life1.events).sort()).toEqual([
        "news-1#1", "news-2#1", "redact-1#1", "redact-2#1", "redact-3#1", "redact-4#1", "redact-5#1", "redact-6#1"
      ])
      expect(started(life2.events).sort()).toEqual([
        "illustrate-1#1", "illustrate-2#1", "illustrate-3#1", "illustrate-4#1", "illustrate-5#1", "illustrate-6#1", "package#1"
      ])
      expect(Fs.existsSync(Path.join(first.dataDir, "workspace", "arca", "morning-briefing", "briefing.json"))).toBe(true)
    }))

  it.scopedLive("an intent id already run is answered from the stored outcome, never run twice", () =>
    Effect.gen(function*() {
      const first = yield* startExchange(modules())
      const stopped = yield* Deferred.make<void>()
      const life1 = collect()
      const run = yield* Effect.fork(first.runner.start({ template: morning(), runId: "wf-replay" }, {
        onEvent: (event) =>
          Effect.zipRight(
            life1.push(event),
            event.event === "host/intent-finished" && event.detail["intent_id"] === "redact-1#1"
              ? Effect.zipRight(Deferred.succeed(stopped, undefined), Effect.never)
              : Effect.void
          )
      }))
      yield* Deferred.await(stopped)
      yield* Fiber.interrupt(run)
      yield* first.close
      // Simulate a host that lost which outcomes belonged to the last move: Arca proposes every
      // running step again under the same intent id, and the host must not run a recorded one again.
      const saved = yield* storedRun(first.dataDir, "wf-replay")
      const recorded = Object.keys(saved.host.outcomes)
      expect(recorded).toContain("redact-1#1")
      yield* overwriteRun(first.dataDir, { ...saved, host: { ...saved.host, last_intents: [] } })

      const second = yield* startExchange(modules(), { dataDir: first.dataDir })
      const life2 = collect()
      const outcome = yield* second.runner.resume("wf-replay", { onEvent: life2.push })
      expect(outcome.status).toBe("completed")
      expectNoLostStep(outcome.state)
      const replayed = life2.events.filter((e) => e.event === "host/intent-replayed").map((e) => String(e.detail["intent_id"]))
      expect(replayed).toContain("redact-1#1")
      for (const id of recorded) {
        expect(started(life2.events)).not.toContain(id)
        if (id.startsWith("redact-")) expect(replayed).toContain(id)
      }
      const stored = Option.getOrThrow(yield* second.runner.load("wf-replay"))
      expect(Object.keys(stored.host.outcomes).filter((id) => !id.startsWith("wake@"))).toHaveLength(15)
    }))

  it.scopedLive("Arca stopped mid-run: the run is suspended and saved, and resumes once Arca is back", () =>
    Effect.gen(function*() {
      const settings = acceptedInAdvance({ ...defaultExchange, workflow: { ...defaultExchange.workflow, invoke_attempts: 2 } })
      const node = yield* startExchange(modules(), { settings })
      const { events, push } = collect()
      const outcome = yield* node.runner.start({ template: morning(), runId: "wf-arca-down" }, {
        onEvent: (event) =>
          Effect.zipRight(
            push(event),
            event.event === "workflow/phase-started" && event.detail["phase_id"] === "redaction"
              ? Effect.orDie(node.supervisor.stop("arca"))
              : Effect.void
          )
      })
      expect(outcome.status).toBe("suspended")
      expect(outcome.failure).toMatchObject({ code: "arca-unavailable", source: "host" })
      expect(outcome.failure?.reason).toContain("the run is saved: resume it once the module is ready")
      expect(events.filter((e) => e.event === "host/arca-unavailable")).toHaveLength(2)
      yield* Effect.orDie(node.supervisor.start("arca"))
      const resumed = yield* node.runner.resume("wf-arca-down", { onEvent: push })
      expect(resumed.status).toBe("completed")
      expect(resumed.failure).toBeUndefined()
      expectNoLostStep(resumed.state)
      const ids = started(events)
      expect(new Set(ids).size).toBe(ids.length)
    }))
})
