/**
 * A cancel outlives the node (issue 10): a run cancelled through the RunManager is stored
 * `cancelled`, and when the node starts again over the same store (SQLite in the data folder) the
 * resume at start passes it by, while a run the node merely stopped in the middle is picked up.
 * Each life is the layer `orbiplex start` runs (WorkflowResume included) with the RunManager over it.
 */
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Context, Deferred, Effect, Exit, Layer, Option, Queue, Scope } from "effect"
import * as Path from "node:path"
import { deterministic, InquiriumProvider } from "../../src/capability/Inquirium.js"
import { NodeConfig, NodeSettings } from "../../src/config/NodeConfig.js"
import { defaultExchange } from "../../src/exchange/ExchangeConfig.js"
import { TraceStore } from "../../src/middleware/TraceStore.js"
import * as NodeRoot from "../../src/node/NodeRoot.js"
import { Supervisor } from "../../src/supervisor/Supervisor.js"
import * as RunManager from "../../src/workflow/RunManager.js"
import { acceptedInAdvance, arcaEntry, fastRetries, MORNING_TEMPLATE, readJsonObject, storyDators, tempDataDir } from "../exchange/ExchangeHarness.js"
import { quiet } from "../support/Node.js"
import { expectNoLeftoverProcesses } from "../support/Processes.js"
import { storedRun } from "./StoredRuns.js"

expectNoLeftoverProcesses()

/** An inquirium provider that tells `entered` of each request and answers once `release` is done. */
const signalling = (entered: Queue.Queue<string>, release: Deferred.Deferred<void>) =>
  Layer.succeed(InquiriumProvider, InquiriumProvider.of({
    name: "signalling",
    complete: (request) =>
      Queue.offer(entered, request.prompt).pipe(Effect.zipRight(Deferred.await(release)), Effect.zipRight(deterministic.complete(request)))
  }))

interface Life {
  readonly runs: RunManager.RunManager["Type"]
  readonly traces: TraceStore["Type"]
  readonly close: Effect.Effect<void>
}

/** One life of the node over `dataDir`: the start layer and a RunManager, until `close`. */
const life = (dataDir: string, inquirium: Layer.Layer<InquiriumProvider>) =>
  Effect.gen(function*() {
    const config = NodeConfig.make({
      node: NodeSettings.make({ id: "node-cancel", data_dir: dataDir }),
      modules: [...storyDators({ redaction: 6, illustration: 6 }), arcaEntry()]
    })
    const exchange = acceptedInAdvance({ ...defaultExchange, catalog: { ...defaultExchange.catalog, refresh: false } })
    const layer = RunManager.layer.pipe(
      Layer.provideMerge(NodeRoot.layer(Path.join(dataDir, "node.json"), config, { exchange, inquirium }))
    )
    const scope = yield* Scope.make()
    const close = quiet(Scope.close(scope, Exit.void))
    yield* Effect.addFinalizer(() => close)
    const context = yield* Layer.buildWithScope(layer, scope).pipe(Effect.orDie, quiet)
    yield* Context.get(context, Supervisor).awaitSettled
    return {
      runs: Context.get(context, RunManager.RunManager),
      traces: Context.get(context, TraceStore),
      close
    } satisfies Life
  }).pipe(Effect.provide(NodeContext.layer))

describe("a cancelled run across a restart", () => {
  it.scopedLive("is stored cancelled, is not resumed at the next start and still reads cancelled; a stopped run is resumed", () =>
    Effect.gen(function*() {
      const dataDir = yield* tempDataDir
      const template = fastRetries(readJsonObject(MORNING_TEMPLATE))

      // Life 1: two runs, both held at their first model work; one is cancelled, the other is left running.
      const entered = yield* Queue.unbounded<string>()
      const held = yield* Deferred.make<void>()
      const first = yield* life(dataDir, signalling(entered, held))
      yield* first.runs.start({ template, runId: "cancelled-run" })
      yield* Queue.take(entered)
      expect(yield* first.runs.cancel("cancelled-run")).toEqual({ _tag: "Cancelled" })
      const atCancel = yield* storedRun(dataDir, "cancelled-run")
      expect(atCancel.host.status).toBe("cancelled")
      // Its driver has stopped: whatever reaches the model from now on is the other run's.
      yield* Queue.takeAll(entered)
      yield* first.runs.start({ template, runId: "stopped-run" })
      yield* Queue.take(entered)
      yield* first.close
      expect((yield* storedRun(dataDir, "stopped-run")).host.status).toBe("running")

      // Life 2 over the same store: the stopped run is driven again (it reaches the model), the cancelled one is not.
      const resumedWork = yield* Queue.unbounded<string>()
      const open = yield* Deferred.make<void>()
      yield* Deferred.succeed(open, undefined)
      const second = yield* life(dataDir, signalling(resumedWork, open))
      yield* Queue.take(resumedWork)
      expect(yield* second.traces.byCorrelation("cancelled-run")).toEqual([])
      expect((yield* second.traces.byCorrelation("stopped-run")).length).toBeGreaterThan(0)
      const view = yield* second.runs.get("cancelled-run")
      expect(Option.map(view, (found) => [found.status, found.active, found.moves])).toEqual(
        Option.some(["cancelled", false, atCancel.host.moves])
      )
      expect(Option.getOrUndefined(Option.map(view, (found) => found.state))).toEqual(atCancel.state)
      const listed = (yield* second.runs.list).find((run) => run.run_id === "cancelled-run")
      expect(listed).toEqual({ run_id: "cancelled-run", status: "cancelled", active: false })
      expect(yield* second.runs.cancel("cancelled-run")).toEqual({ _tag: "Ended", status: "cancelled" })
      yield* second.close
    }))
})
