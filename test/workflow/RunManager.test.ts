/**
 * The RunManager (src/workflow/RunManager.ts) over a real runner with Arca and the story Dators:
 * `start` answers the id while the run goes on, `get` shows the events seen, `awaitEnd` the end;
 * `cancel` stops a run held in flight and stores it cancelled; a taken id is refused. A cancelled
 * run stays cancelled across a restart of the node: the resume at start passes it by.
 */
import { describe, expect, it } from "@effect/vitest"
import { Context, Deferred, Effect, Layer, Option, Queue } from "effect"
import { deterministic, InquiriumProvider } from "../../src/capability/Inquirium.js"
import * as RunManager from "../../src/workflow/RunManager.js"
import { WorkflowRunner } from "../../src/workflow/WorkflowRunner.js"
import { openStore, storedRun } from "./StoredRuns.js"
import { arcaEntry, fastRetries, MORNING_TEMPLATE, readJsonObject, startExchange, storyDators } from "../exchange/ExchangeHarness.js"
import { expectNoLeftoverProcesses } from "../support/Processes.js"

expectNoLeftoverProcesses()

const modules = () => [...storyDators({ redaction: 6, illustration: 6 }), arcaEntry()]

const managerOver = (node: { readonly runner: WorkflowRunner["Type"]; readonly dataDir: string }) =>
  Effect.gen(function*() {
    // A second opening of the node's store (SQLite, WAL), as the node's own RunManager reads it.
    const store = yield* openStore(node.dataDir)
    const context = yield* Layer.build(RunManager.layer.pipe(
      Layer.provide([Layer.succeed(WorkflowRunner, node.runner), store])
    ))
    return Context.get(context, RunManager.RunManager)
  })

describe("RunManager", () => {
  it.scopedLive("starts a run in its scope, shows its events, and answers its end; a taken id is refused", () =>
    Effect.gen(function*() {
      const node = yield* startExchange(modules())
      const runs = yield* managerOver(node)
      const template = fastRetries(readJsonObject(MORNING_TEMPLATE))
      const id = yield* runs.start({ template, runId: "rm-1" })
      expect(id).toBe("rm-1")
      const refused = yield* Effect.flip(runs.start({ template, runId: "rm-1" }))
      expect(refused.message).toContain("exists already")
      const end = yield* runs.awaitEnd(id)
      expect(Option.map(end, (outcome) => typeof outcome === "string" ? outcome : outcome.status)).toEqual(Option.some("completed"))
      const view = yield* runs.get(id)
      expect(Option.map(view, (found) => found.status)).toEqual(Option.some("completed"))
      expect(Option.exists(view, (found) => found.events.some((event) => event.event === "workflow/phase-started"))).toBe(true)
      expect((yield* runs.list).map((run) => run.run_id)).toContain("rm-1")
    }))

  it.scopedLive("cancel stops a run held in flight and stores it cancelled; cancelling it again says it has ended", () =>
    Effect.gen(function*() {
      const entered = yield* Queue.unbounded<string>()
      const release = yield* Deferred.make<void>()
      const provider = Layer.succeed(InquiriumProvider, InquiriumProvider.of({
        name: "held",
        complete: (request) => Queue.offer(entered, request.prompt).pipe(Effect.zipRight(Deferred.await(release)), Effect.zipRight(deterministic.complete(request)))
      }))
      const node = yield* startExchange(modules(), { inquirium: provider })
      const runs = yield* managerOver(node)
      const id = yield* runs.start({ template: fastRetries(readJsonObject(MORNING_TEMPLATE)), runId: "rm-cancel" })
      yield* Queue.take(entered)
      expect(yield* runs.cancel(id)).toEqual({ _tag: "Cancelled" })
      expect(yield* runs.awaitEnd(id)).toEqual(Option.some("cancelled"))
      const view = yield* runs.get(id)
      expect(Option.map(view, (found) => [found.status, found.active])).toEqual(Option.some(["cancelled", false]))
      expect((yield* storedRun(node.dataDir, id)).host.status).toBe("cancelled")
      expect(yield* runs.cancel(id)).toEqual({ _tag: "Ended", status: "cancelled" })
      expect(yield* runs.cancel("no-such-run")).toEqual({ _tag: "Unknown" })
      yield* Deferred.succeed(release, undefined)
    }))
})
