/**
 * Issue 9 item 8: `route` and `drop` through a hook that admits them, with real modules. `route` chooses
 * an explicit target (CONTRACTS §2.2): the chain goes on, the result and the trace carry the target, and
 * a `route` without a target is refused like any malformed decision. `drop` stops the chain, no answer,
 * the payload as it was, and no later executor runs.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Option } from "effect"
import * as DecisionValidator from "../../src/middleware/DecisionValidator.js"
import * as Hook from "../../src/middleware/Hook.js"
import { quiet } from "../support/Node.js"
import { expectNoLeftoverProcesses } from "../support/Processes.js"
import { chainEntry, decision, startChain } from "./ChainHarness.js"

expectNoLeftoverProcesses()

const HOOK = "dispatch.local"
const hooks = {
  [HOOK]: { admits: ["allow", "rewrite", "route", "drop"], failure_policy: "fail_closed", writable: ["text"] }
}
const message = { text: "hello", kind: "greeting" }

let runs = 0
const correlation = () => `route-${++runs}-${Date.now()}`

describe("route and drop on a hook that admits them", () => {
  it.scopedLive("route names the target, the chain goes on, and the result and trace carry it", () =>
    Effect.gen(function*() {
      const node = yield* startChain([
        chainEntry("router", [HOOK], [decision("route", { route: { target: "local:archive" }, patch: { text: "ignored" } })]),
        chainEntry("after", [HOOK], [decision("rewrite", { patch: { text: "hello, archived" } })])
      ], hooks)
      const result = yield* node.runner.runHook(HOOK, message, { correlationId: correlation() })
      expect(result.outcome).toBe("completed")
      expect(result.route).toEqual({ target: "local:archive" })
      expect(result.payload).toEqual({ ...message, text: "hello, archived" })
      expect(result.trace.executors.map((e) => [e.executor_id, e.status, e.decision])).toEqual([
        ["router", "applied", "route"],
        ["after", "applied", "rewrite"]
      ])
      expect(result.trace.executors[0]?.rounds[0]).toMatchObject({ route: { target: "local:archive" }, ignored: ["patch"] })
    }).pipe(quiet))

  it.scopedLive("a route without a target is refused and the hook's failure policy applies", () =>
    Effect.gen(function*() {
      const node = yield* startChain([
        chainEntry("lost", [HOOK], [decision("route", { route: null })]),
        chainEntry("never", [HOOK], [decision("allow")])
      ], hooks)
      const result = yield* node.runner.runHook(HOOK, message, { correlationId: correlation() })
      expect(result.outcome).toBe("failed")
      expect(result.route).toBeUndefined()
      expect(result.reason).toContain("\"route\" without a target")
      expect(result.trace.executors.map((e) => e.executor_id)).toEqual(["lost"])
    }).pipe(quiet))

  it.scopedLive("drop stops the chain without an answer: the payload as it was, no later executor", () =>
    Effect.gen(function*() {
      const node = yield* startChain([
        chainEntry("dropper", [HOOK], [decision("drop", { reason: "spam", patch: { text: "changed" } })]),
        chainEntry("never", [HOOK], [decision("rewrite", { patch: { text: "too late" } })])
      ], hooks)
      const result = yield* node.runner.runHook(HOOK, message, { correlationId: correlation() })
      expect(result.outcome).toBe("dropped")
      expect(result.reason).toBe("spam")
      expect(result.payload).toEqual(message)
      expect(result.trace.executors.map((e) => [e.executor_id, e.decision])).toEqual([["dropper", "drop"]])
    }).pipe(quiet))

  it("a route field on another decision is ignored, and recorded as ignored", () => {
    const validated = DecisionValidator.validate({
      hook: Either.getOrThrow(Hook.compile(HOOK, { admits: ["allow", "route"] }, undefined)),
      executorId: "x",
      moduleId: "x",
      grants: [],
      payload: message,
      decision: { schema_version: "middleware-decision.v1", decision: "allow", route: { target: "elsewhere" } },
      checkIntent: () => Option.none()
    })
    expect(validated._tag === "Accepted" && validated.ignored).toEqual(["route"])
  })
})
