/**
 * Supervised providers (a `launch` block): started by the host on an announced port, ready when
 * their health_url answers, restarted after a crash, reported clearly when they cannot start, and
 * stopped with the node.
 */
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Either, Exit, Layer, Option, Stream } from "effect"
import * as PipelineNode from "../../src/node/PipelineNode.js"
import { ProviderClient } from "../../src/provider/ProviderClient.js"
import { ProviderStartFailed } from "../../src/provider/ProviderRegistry.js"
import * as LifecycleLog from "../../src/supervisor/LifecycleLog.js"
import * as Supervisor from "../../src/supervisor/Supervisor.js"
import { quiet } from "../support/Node.js"
import { awaitGone, expectNoLeftoverProcesses, isAlive } from "../support/Processes.js"
import { closedPort, entry, startProviders, supervisedEntry } from "./support.js"

expectNoLeftoverProcesses()

const processOf = (node: Effect.Effect.Success<ReturnType<typeof startProviders>>, name: string) =>
  Effect.map(node.registry.processes, (all) => all.find((p) => p.name === name))

describe("supervised providers", () => {
  it.scopedLive("are started on the port they announce, serve calls, and stop with the node", () =>
    Effect.gen(function*() {
      const node = yield* startProviders({ providers: [supervisedEntry("Echo")] })
      const status = yield* processOf(node, "Echo")
      expect(status?.state).toBe("ready")
      expect(status?.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      const pid = status?.pid ?? -1
      expect(isAlive(pid)).toBe(true)
      const answer = yield* node.client.call("Echo", { text: "hi" })
      expect(answer.value).toMatchObject({ text: "hi", attempt: 1 })
      const facts = (yield* node.log.history("Echo")).map((f) => `${f.from}>${f.to}:${f.cause}`)
      expect(facts).toEqual(["configured>starting:start", "starting>starting:listening", "starting>ready:ready"])
      const health = yield* node.registry.health("Echo")
      expect(health[0]).toMatchObject({ outcome: "healthy", supervised: true, state: "ready" })
      expect(health[0]?.url).toBe(`${status?.origin}/health`)
      yield* node.close
      yield* awaitGone(pid, 3_000)
      const after = (yield* node.log.history("Echo")).map((f) => f.to)
      expect(after.at(-1)).toBe("stopped")
    }).pipe(quiet))

  it.scopedLive("are restarted after a crash, and a call made meanwhile waits for the restart", () =>
    Effect.gen(function*() {
      const node = yield* startProviders({ providers: [supervisedEntry("Echo")] })
      const before = (yield* processOf(node, "Echo"))?.pid ?? -1
      const facts = yield* node.log.follow
      const readyAgain = yield* facts.pipe(
        Stream.filter((f) => f.executor_id === "Echo" && f.to === "ready"),
        Stream.runHead,
        Effect.fork
      )
      process.kill(before, "SIGKILL")
      const answer = yield* node.client.call("Echo", { text: "after" }, { retry: 5, delay: "20ms", timeout: "3s" })
      expect(answer.value).toMatchObject({ text: "after" })
      expect(Option.isSome(yield* readyAgain.await.pipe(Effect.flatMap(Exit.match({ onFailure: () => Effect.succeed(Option.none()), onSuccess: Effect.succeed }))))).toBe(true)
      const after = yield* processOf(node, "Echo")
      expect(after).toMatchObject({ state: "ready", restarts: 1 })
      expect(after?.pid).not.toBe(before)
      const causes = (yield* node.log.history("Echo")).map((f) => `${f.to}:${f.cause}`)
      expect(causes).toContain("starting:crash")
      expect(causes.at(-1)).toBe("ready:ready")
    }).pipe(quiet))

  it.scopedLive("one that never gets healthy fails with the reason, and calls say it is not serving", () =>
    Effect.gen(function*() {
      const sick = supervisedEntry("Sick", { startup_timeout: "2s", restart_policy: { max_restarts: 0 } }, { FIXTURE_UNHEALTHY: "1" })
      const node = yield* startProviders({ providers: [sick] })
      const status = yield* processOf(node, "Sick")
      expect(status?.state).toBe("failed")
      expect(status?.lastError).toContain("/health did not answer 200 within 2000 ms (last: answered 503)")
      const error = yield* Effect.flip(node.client.call("Sick", { text: "x" }))
      expect(error._tag).toBe("NetworkError")
      expect(error.message).toContain("the provider process is failed")
      expect(error.message).toContain("component provider.Sick")
    }).pipe(quiet))

  it.scopedLive("a launch that cannot work is refused at once (preflight), without restarts", () =>
    Effect.gen(function*() {
      const broken = supervisedEntry("Broken", { launch: { executable: "/nonexistent/python3", args: [], cwd: "/" } })
      const node = yield* startProviders({ providers: [broken] })
      const status = yield* processOf(node, "Broken")
      expect(status).toMatchObject({ state: "failed", restarts: 0 })
      expect(status?.lastError).toContain("/nonexistent/python3 does not exist")
    }).pipe(quiet))

  it.scopedLive("a failed startup health check blocks the start only where a healthy provider is required", () =>
    Effect.gen(function*() {
      const port = yield* closedPort
      const down = (require_healthy: boolean) =>
        entry({ name: "Remote", url: `http://127.0.0.1:${port}/invoke`, health_url: `http://127.0.0.1:${port}/health`, require_healthy })
      const started = yield* Effect.either(startProviders({ providers: [down(false)] }))
      expect(Either.isRight(started)).toBe(true)
      const refused = yield* Effect.flip(startProviders({ providers: [down(true)] }))
      expect(refused).toBeInstanceOf(ProviderStartFailed)
      expect(refused.message).toContain(`Remote (http://127.0.0.1:${port}/health): unreachable`)
      expect(refused.message).toContain("ECONNREFUSED")
      expect(refused.message).toContain("\"require_healthy\": false")
      const strict = yield* Effect.flip(startProviders({ providers: [down(false)], registry: { requireHealthy: true } }))
      expect(strict._tag).toBe("ProviderStartFailed")
    }).pipe(quiet))

  it.scopedLive("are members of the Supervisor: listed with kind provider, restarted by an operator, facts under their name", () =>
    Effect.gen(function*() {
      const layer = PipelineNode.layerInSupervisor({ providers: [supervisedEntry("Echo")], pipelines: {} }).pipe(
        Layer.provideMerge(Supervisor.layerStandalone),
        Layer.provideMerge(LifecycleLog.layer)
      )
      const context = yield* Layer.build(layer)
      const supervisor = Context.get(context, Supervisor.Supervisor)
      const client = Context.get(context, ProviderClient)
      const rows = yield* supervisor.list
      expect(rows).toHaveLength(1)
      expect(rows[0]).toMatchObject({ executor_id: "Echo", kind: "provider", module_id: "Echo", component_id: "provider.Echo", state: "ready" })
      const before = rows[0]?.pid ?? -1
      expect(rows[0]?.port).toBeGreaterThan(0)
      yield* supervisor.restart("Echo")
      const after = yield* supervisor.awaitStatus("Echo", (s) => s.state === "ready")
      expect(after.pid).not.toBe(before)
      yield* awaitGone(before, 3_000)
      const answer = yield* client.call("Echo", { text: "again" })
      expect(answer.value).toMatchObject({ text: "again" })
      const log = Context.get(context, LifecycleLog.LifecycleLog)
      expect((yield* log.history("Echo")).map((f) => `${f.from}>${f.to}:${f.cause}`)).toEqual([
        "configured>starting:start",
        "starting>starting:listening",
        "starting>ready:ready",
        "ready>stopping:stop",
        "stopping>stopped:stop",
        "stopped>starting:start",
        "starting>starting:listening",
        "starting>ready:ready"
      ])
      yield* supervisor.stop("Echo")
      const stopped = yield* supervisor.inspect("Echo")
      expect(stopped.state).toBe("stopped")
      expect(stopped.pid).toBeUndefined()
      const refused = yield* Effect.flip(client.call("Echo", { text: "x" }))
      expect(refused.message).toContain("the provider process is stopped")
    }).pipe(quiet))
})
