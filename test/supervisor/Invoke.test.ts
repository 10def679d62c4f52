/**
 * Invoking supervised modules over real loopback HTTP: auth, every invoke failure, the host's
 * max_in_flight bound, and calls that meet a crash and the restart after it.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { CONCURRENCY_PROBE_SCRIPT, fixtureEntry, RUN_MARKER } from "../support/Fixture.js"
import { envelope, factKeys, quiet, runningOf, startNode } from "../support/Node.js"
import { expectNoLeftoverProcesses, isAlive } from "../support/Processes.js"

expectNoLeftoverProcesses()

const raw = (url: string, init: RequestInit) =>
  Effect.promise(async () => {
    const response = await fetch(url, init)
    return { status: response.status, body: await response.text() }
  })

describe("ModuleClient", () => {
  it.scopedLive("the module refuses init and invoke without the launch token (401)", () =>
    Effect.gen(function*() {
      const node = yield* startNode([fixtureEntry("guarded", "ok")])
      const running = yield* runningOf(node, "guarded")
      const body = JSON.stringify(envelope())
      const post = (headers: Record<string, string>) =>
        raw(running.baseUrl + running.entry.http.invoke_path, {
          method: "POST",
          headers: { "content-type": "application/json", ...headers },
          body
        })
      const none = yield* post({})
      expect(none.status).toBe(401)
      expect(none.body).toContain("ORBIPLEX_MIDDLEWARE_AUTHTOK_FILE")
      expect((yield* post({ authorization: "Bearer not-the-token" })).status).toBe(401)
      const init = yield* raw(running.baseUrl + running.entry.http.init_path, { method: "POST", body: "{}" })
      expect(init.status).toBe(401)
      // The same request with the host's token is served, and the refused ones did no work.
      const served = yield* post({ authorization: running.authorization })
      expect(served.status).toBe(200)
      expect(JSON.parse(served.body).annotations.calls).toBe(1)
      // Open endpoints need no token.
      expect((yield* raw(running.baseUrl + "/readyz", {})).status).toBe(200)
    }).pipe(quiet))

  it.scopedLive("garbage is MalformedResponse, an oversized answer ResponseTooLarge, a slow one InvokeTimedOut naming its limit", () =>
    Effect.gen(function*() {
      const node = yield* startNode([
        fixtureEntry("garbage", "garbage"),
        fixtureEntry("huge", "too_large", { http: { max_response_bytes: 4_096 } }),
        fixtureEntry("slow", "slow", { http: { request_timeout_ms: 200 }, env: { FIXTURE_DELAY_MS: "3000" }, stop: { grace_ms: 200 } }),
        fixtureEntry("invalid", "scripted", { env: { FIXTURE_DECISION: JSON.stringify({ schema_version: "middleware-decision.v1", decision: "maybe" }) } })
      ])
      const garbage = yield* Effect.flip(node.client.invoke("garbage", envelope()))
      expect(garbage._tag).toBe("MalformedResponse")
      expect(garbage.message).toContain("not JSON")
      expect(garbage.message).toContain("<html>")

      const huge = yield* Effect.flip(node.client.invoke("huge", envelope()))
      expect(huge._tag).toBe("ResponseTooLarge")
      expect(huge.message).toContain("more than 4096 bytes")

      const slow = yield* Effect.flip(node.client.invoke("slow", envelope()))
      expect(slow).toMatchObject({ _tag: "InvokeTimedOut", timeout_ms: 200, limit: "request_timeout_ms" })
      expect(slow.message).toContain("http.request_timeout_ms (200 ms)")
      // A per-call bound tighter than the module's also holds, and the message names it.
      const tighter = yield* Effect.flip(node.client.invoke("slow", envelope(), { timeoutMs: 50 }))
      expect(tighter).toMatchObject({ _tag: "InvokeTimedOut", timeout_ms: 50, limit: "caller" })
      expect(tighter.message).toContain("the caller's deadline (50 ms")
      const enveloped = yield* Effect.flip(node.client.invoke("slow", envelope({}, 60)))
      expect(enveloped).toMatchObject({ _tag: "InvokeTimedOut", timeout_ms: 60, limit: "deadline_ms" })
      expect(enveloped.message).toContain("the envelope's deadline_ms (60 ms)")

      const invalid = yield* Effect.flip(node.client.invoke("invalid", envelope()))
      expect(invalid._tag).toBe("MalformedResponse")
      expect(invalid.message).toContain("decision")
      expect(invalid.message).toContain("maybe")

      // None of these failures is a crash: every module is still serving.
      for (const status of yield* node.supervisor.list) expect(status.state).toBe("ready")
    }).pipe(quiet))

  it.scopedLive("never has more than max_in_flight calls at the module", () =>
    Effect.gen(function*() {
      // The probe wraps the slow fixture and reports how many calls it had in progress. Its own
      // limit (ORBIPLEX_MIDDLEWARE_MAX_CONNECTIONS) is the host's, and a call it refuses with 503 +
      // Retry-After: 1 cannot be retried within this 900 ms deadline: it would fail the call.
      const node = yield* startNode([
        fixtureEntry("narrow", "slow", {
          launch: { args: [CONCURRENCY_PROBE_SCRIPT, RUN_MARKER] },
          http: { max_in_flight: 2, request_timeout_ms: 900 },
          env: { FIXTURE_DELAY_MS: "100" }
        })
      ])
      const decisions = yield* Effect.forEach(
        Array.from({ length: 6 }, () => envelope()),
        (each) => node.client.invoke("narrow", each),
        { concurrency: "unbounded" }
      )
      expect(decisions.map((decision) => decision.decision)).toEqual(Array(6).fill("annotate"))
      const peaks = decisions.map((decision) => Number(decision.annotations?.["peak"]))
      const inFlight = decisions.map((decision) => Number(decision.annotations?.["in_flight"]))
      expect(Math.max(...peaks)).toBe(2)
      expect(Math.max(...inFlight)).toBeLessThanOrEqual(2)
    }).pipe(quiet))

  it.scopedLive("a call after a crash waits for the restart and reaches the new process", () =>
    Effect.gen(function*() {
      const node = yield* startNode([fixtureEntry("fragile", "crash_after", { env: { FIXTURE_CRASH_AFTER: "2" } })])
      const first = yield* runningOf(node, "fragile")
      for (const calls of [1, 2]) {
        const decision = yield* node.client.invoke("fragile", envelope())
        expect(decision.annotations?.["calls"]).toBe(calls)
        expect(decision.annotations?.["pid"]).toBe(first.pid)
      }
      // The module exits right after the second answer. Once it has (a call sent while it is still
      // dying ends as ModuleCrashed: PoisonCall.test.ts), the next call waits for the restart.
      yield* first.child.exit
      const after = yield* node.client.invoke("fragile", envelope())
      expect(after.annotations?.["pid"]).not.toBe(first.pid)
      expect(after.annotations?.["calls"]).toBe(1)
      expect(yield* first.child.exit).toEqual({ code: 7, signal: null })
      expect(isAlive(first.pid)).toBe(false)
      const status = yield* node.supervisor.inspect("fragile")
      expect(status.restarts).toBe(1)
      expect(status.pid).toBe(after.annotations?.["pid"])
      expect(yield* factKeys(node, "fragile")).toEqual([
        "configured>starting:start",
        "starting>starting:listening",
        "starting>ready:ready",
        "ready>starting:crash",
        "starting>starting:restart",
        "starting>starting:listening",
        "starting>ready:ready"
      ])
    }).pipe(quiet))

  it.scopedLive("a fail-fast call that meets a crash fails with a typed error, not a transport error", () =>
    Effect.gen(function*() {
      const node = yield* startNode([
        fixtureEntry("fragile", "crash_after", {
          env: { FIXTURE_CRASH_AFTER: "1" },
          restart_policy: { backoff: { initial_ms: 60_000, max_ms: 60_000 } }
        })
      ])
      yield* node.client.invoke("fragile", envelope())
      // Made at once: the process is exiting and the supervisor may not have seen it yet.
      const error = yield* Effect.flip(node.client.invoke("fragile", envelope(), { whileRestarting: "fail-fast" }))
      // Not-ready when the exit was seen before the request; crashed when the dying process took the
      // connection and reset it. Either way the caller is told what happened, never a bare transport error.
      expect(["ModuleNotReady", "ModuleCrashed"]).toContain(error._tag)
    }).pipe(quiet))

  it.scopedLive("a fail-fast call during a restart fails with ModuleNotReady", () =>
    Effect.gen(function*() {
      // A long backoff holds the module in "starting" while the call is made.
      const node = yield* startNode([
        fixtureEntry("fragile", "crash_after", {
          env: { FIXTURE_CRASH_AFTER: "1" },
          restart_policy: { backoff: { initial_ms: 60_000, max_ms: 60_000 } }
        })
      ])
      const first = yield* runningOf(node, "fragile")
      yield* node.client.invoke("fragile", envelope())
      yield* first.child.exit
      yield* node.supervisor.awaitStatus("fragile", (status) => status.state === "starting")
      const error = yield* Effect.flip(node.client.invoke("fragile", envelope(), { whileRestarting: "fail-fast" }))
      expect(error).toMatchObject({ _tag: "ModuleNotReady", executor_id: "fragile", state: "starting" })
      expect(error.message).toContain("fragile is starting")
      // A waiting call is bounded by its own deadline instead, and then says what it waited for.
      const waited = yield* Effect.flip(node.client.invoke("fragile", envelope(), { timeoutMs: 100 }))
      expect(waited).toMatchObject({ _tag: "ModuleNotReady", state: "starting" })
    }).pipe(quiet))

  it.scopedLive("a call to an unknown module fails with UnknownModule", () =>
    Effect.gen(function*() {
      const node = yield* startNode([fixtureEntry("only", "ok")])
      const error = yield* Effect.flip(node.client.invoke("nobody", envelope()))
      expect(error).toMatchObject({ _tag: "UnknownModule", executor_id: "nobody", known: ["only"] })
      expect(error.message).toContain(`no module with executor id "nobody"; the node has: only`)
    }).pipe(quiet))
})
