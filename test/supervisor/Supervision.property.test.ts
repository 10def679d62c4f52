/**
 * The supervised lifetime under generated scripts (ScriptedLauncher) and operator actions at random
 * times, on TestClock: the budget per window, the backoff bounds, only the transitions of CONTRACTS
 * §1.4 with facts in order, bounded stops that leave nothing running, a stop that wins over a
 * pending restart, and no restart after `failed` until an operator starts the member again.
 */
import { describe, expect, it } from "@effect/vitest"
import { Clock, Context, Effect, Exit, FastCheck, Fiber, Layer, Logger, LogLevel, Option, Ref, Schema, Scope, TestClock } from "effect"
import type { LifecycleFact } from "../../src/contract/LifecycleFact.js"
import { HealthSettings, RestartPolicy } from "../../src/contract/ModuleEntry.js"
import { Launcher } from "../../src/supervisor/Launcher.js"
import * as LifecycleLog from "../../src/supervisor/LifecycleLog.js"
import type { MemberSpec } from "../../src/supervisor/Member.js"
import * as Supervisor from "../../src/supervisor/Supervisor.js"
import { makeScripted, type MemberScript, type RunScript, type ScriptedProcess } from "../../src/supervisor/testing/ScriptedLauncher.js"

const ID = "scripted"
const decodePolicy = Schema.decodeSync(RestartPolicy)

const policies = FastCheck.record({
  mode: FastCheck.constantFrom<"on_failure" | "never">("on_failure", "on_failure", "on_failure", "never"),
  max_restarts: FastCheck.integer({ min: 0, max: 4 }),
  window_sec: FastCheck.integer({ min: 1, max: 8 }),
  initial_ms: FastCheck.integer({ min: 0, max: 800 }),
  max_ms: FastCheck.integer({ min: 0, max: 3_000 }),
  factor: FastCheck.double({ min: 1, max: 3, noNaN: true }),
  jitter: FastCheck.boolean(),
  reset_after_ms: FastCheck.integer({ min: 0, max: 5_000 })
}).map((p) =>
  decodePolicy({
    mode: p.mode,
    max_restarts: p.max_restarts,
    window_sec: p.window_sec,
    backoff: { initial_ms: p.initial_ms, max_ms: p.max_ms, factor: p.factor, jitter: p.jitter, reset_after_ms: p.reset_after_ms }
  })
)

const runScripts: FastCheck.Arbitrary<RunScript> = FastCheck.record({
  readyAfterMs: FastCheck.integer({ min: 0, max: 1_500 }),
  fails: FastCheck.constantFrom("no", "no", "no", "transient", "permanent"),
  crashAfterMs: FastCheck.option(FastCheck.integer({ min: 0, max: 4_000 }), { nil: undefined }),
  healthFailsFrom: FastCheck.option(FastCheck.integer({ min: 0, max: 4 }), { nil: undefined }),
  degradedFrom: FastCheck.option(FastCheck.integer({ min: 0, max: 4 }), { nil: undefined }),
  stopMs: FastCheck.integer({ min: 0, max: 2_000 }),
  ignoresSigterm: FastCheck.boolean()
}).map((r): RunScript => ({
  readyAfterMs: r.readyAfterMs,
  stopMs: r.stopMs,
  ignoresSigterm: r.ignoresSigterm,
  ...(r.fails === "no" ? {} : { startFails: { permanent: r.fails === "permanent" } }),
  ...(r.crashAfterMs === undefined ? {} : { crashAfterMs: r.crashAfterMs }),
  ...(r.healthFailsFrom === undefined ? {} : { healthFailsFrom: r.healthFailsFrom }),
  ...(r.degradedFrom === undefined ? {} : { degradedFrom: r.degradedFrom })
}))

const scripts: FastCheck.Arbitrary<MemberScript> = FastCheck.array(runScripts, { minLength: 1, maxLength: 6 })

/** Operator actions: what, and how long after the previous one. */
const actions = FastCheck.array(
  FastCheck.record({ action: FastCheck.constantFrom("start", "stop", "restart"), afterMs: FastCheck.integer({ min: 0, max: 4_000 }) }),
  { maxLength: 6 }
)

const members = FastCheck.record({
  policy: policies,
  interval_ms: FastCheck.integer({ min: 700, max: 3_000 }),
  failure_threshold: FastCheck.integer({ min: 1, max: 3 }),
  graceMs: FastCheck.integer({ min: 0, max: 1_500 }),
  requestTimeoutMs: FastCheck.integer({ min: 50, max: 1_000 })
}).map((m): MemberSpec => ({
  id: ID,
  kind: "provider",
  module_id: ID,
  component_id: `provider.${ID}`,
  hooks: [],
  grants: [],
  restart_policy: m.policy,
  health: HealthSettings.make({ interval_ms: m.interval_ms, failure_threshold: m.failure_threshold }),
  requestTimeoutMs: m.requestTimeoutMs,
  graceMs: m.graceMs,
  startDetail: "scripted",
  source: {
    _tag: "Provider",
    launch: {
      name: ID,
      executable: "/scripted",
      args: [],
      cwd: "/",
      env: {},
      listenHost: "127.0.0.1",
      listenPort: "0",
      fixedOrigin: "http://127.0.0.1:0",
      announces: true,
      healthPath: "/health",
      startupTimeoutMs: 1_000
    }
  }
}))

/** Moves the clock; TestClock first lets forked fibers run up to their next sleep, and wakes sleeps in time order. */
const advance = (millis: number) => TestClock.adjust(millis)

interface Played {
  readonly facts: ReadonlyArray<LifecycleFact>
  readonly processes: ReadonlyArray<ScriptedProcess>
  readonly runningAtEnd: number
  readonly runningAtStopped: ReadonlyArray<number>
}

/** Runs `member` on `script` with `plan`'s operator actions, then a final stop. */
const play = (member: MemberSpec, script: MemberScript, plan: ReadonlyArray<{ action: string; afterMs: number }>) =>
  Effect.gen(function*() {
    const scripted = yield* makeScripted({ [ID]: script })
    const scope = yield* Scope.make()
    // What is running at the moment each `stopped` fact is published: it must be nothing.
    const runningAtStopped = yield* Ref.make<ReadonlyArray<number>>([])
    const watchedLog = Layer.effect(
      LifecycleLog.LifecycleLog,
      Effect.map(LifecycleLog.make, (log) =>
        LifecycleLog.LifecycleLog.of({
          ...log,
          publish: (fact) =>
            Effect.zipRight(
              fact.to === "stopped" ? Effect.flatMap(scripted.running, (n) => Ref.update(runningAtStopped, (all) => [...all, n])) : Effect.void,
              log.publish(fact)
            )
        }))
    )
    const layer = Supervisor.layerWithLauncher.pipe(
      Layer.provideMerge(watchedLog),
      Layer.provide(Layer.succeed(Launcher, scripted.launcher)),
      Layer.provide(Layer.succeed(Supervisor.SupervisorSettings, { host: { nodeId: "n", hostVersion: "0" }, modules: [] }))
    )
    const context = yield* Layer.buildWithScope(layer, scope)
    const supervisor = Context.get(context, Supervisor.Supervisor)
    const log = Context.get(context, LifecycleLog.LifecycleLog)
    yield* Scope.extend(supervisor.register(member), scope)
    const operator: Array<Fiber.RuntimeFiber<void, unknown>> = []
    for (const step of plan) {
      yield* advance(step.afterMs)
      const act = step.action === "start" ? supervisor.start(ID) : step.action === "stop" ? supervisor.stop(ID) : supervisor.restart(ID)
      operator.push(yield* Effect.fork(act))
    }
    yield* advance(10_000)
    const last = yield* Effect.fork(supervisor.stop(ID))
    // A stop ends within the grace (the scripted kill is instant); every earlier action has ended too.
    yield* advance(member.graceMs + 1)
    const stopped = yield* Fiber.poll(last)
    expect(Option.isSome(stopped), "the final stop ended within grace").toBe(true)
    for (const fiber of operator) expect(Option.isSome(yield* Fiber.poll(fiber)), "every operator action ended").toBe(true)
    const played: Played = {
      facts: yield* log.history(ID),
      processes: yield* scripted.processes,
      runningAtEnd: yield* scripted.running,
      runningAtStopped: yield* Ref.get(runningAtStopped)
    }
    // PROP_DEBUG=1 prints each run's facts and processes (with PROP_SEED=<seed> PROP_RUNS=1 to replay one).
    if (process.env["PROP_DEBUG"]) {
      console.log("FACTS", played.facts.map((f) => `${at(f)} ${key(f)} ${f.pid ?? ""} ${f.detail}`).join("\n"))
      console.log("PROCS", played.processes.map((p) => `${p.pid} ${p.spawnedAt}-${Option.getOrElse(p.endedAt, () => -1)}${p.killed ? " killed" : ""}`).join("\n"))
    }
    yield* Scope.close(scope, Exit.void)
    return played
  }).pipe(Effect.provide(Logger.minimumLogLevel(LogLevel.None)))

const at = (fact: LifecycleFact) => Date.parse(fact.at)
const key = (fact: LifecycleFact) => `${fact.from}>${fact.to}:${fact.cause}`

/** The transitions CONTRACTS §1.4 allows, as `from>to`; causes are checked where they matter. */
const LEGAL = new Set([
  "configured>starting",
  "stopped>starting",
  "failed>starting",
  "starting>starting",
  "ready>starting",
  "degraded>starting",
  "starting>ready",
  "ready>degraded",
  "degraded>ready",
  "starting>failed",
  "ready>failed",
  "degraded>failed",
  "starting>stopping",
  "ready>stopping",
  "degraded>stopping",
  "stopping>stopped"
])

const checkTransitions = (facts: ReadonlyArray<LifecycleFact>) => {
  facts.forEach((fact, i) => {
    expect(LEGAL.has(`${fact.from}>${fact.to}`), `illegal ${key(fact)} at ${i}: ${facts.map(key).join(" ")}`).toBe(true)
    if (i > 0) expect(fact.from, `facts out of order at ${i}`).toBe(facts[i - 1]!.to)
    // Only an operator leaves stopped or failed, and only an operator stops.
    if (fact.from === "stopped" || fact.from === "failed" || fact.from === "configured") expect(fact.cause).toBe("start")
    if (fact.to === "stopping" || fact.to === "stopped") expect(fact.cause).toBe("stop")
  })
}

/** Restarts between two operator starts never exceed the budget in any window. */
const checkBudget = (member: MemberSpec, facts: ReadonlyArray<LifecycleFact>) => {
  const windowMs = member.restart_policy.window_sec * 1_000
  let epoch: Array<number> = []
  for (const fact of facts) {
    if (fact.cause === "start") epoch = []
    if (key(fact) !== "starting>starting:restart") continue
    const now = at(fact)
    epoch.push(now)
    expect(epoch.filter((t) => t > now - windowMs).length, `restarts in ${windowMs} ms`).toBeLessThanOrEqual(member.restart_policy.max_restarts)
  }
}

/** Each wait between a run's end and its restart is within the backoff's bounds. */
const checkBackoff = (member: MemberSpec, facts: ReadonlyArray<LifecycleFact>) => {
  const { backoff } = member.restart_policy
  // The first delay (capped), jittered down by at most 20%.
  const lowest = Math.round(Math.min(backoff.max_ms, backoff.initial_ms) * (backoff.jitter ? 0.8 : 1))
  facts.forEach((fact, i) => {
    const next = facts[i + 1]
    if (fact.to !== "starting" || fact.cause === "start" || fact.cause === "restart" || next === undefined) return
    if (key(next) !== "starting>starting:restart") return
    const waited = at(next) - at(fact)
    expect(waited).toBeGreaterThanOrEqual(lowest)
    expect(waited).toBeLessThanOrEqual(backoff.max_ms)
    expect(fact.detail).toContain(`in ${waited} ms`)
  })
}

/** A stop ends within the grace and leaves nothing running; after stopped or failed nothing spawns until a start. */
const checkStops = (member: MemberSpec, played: Played) => {
  const { facts, processes } = played
  expect(played.runningAtEnd).toBe(0)
  expect(played.runningAtStopped.filter((n) => n > 0), "processes still running when a stop said stopped").toEqual([])
  facts.forEach((fact, i) => {
    if (fact.to === "stopped") {
      const stopping = facts[i - 1]!
      expect(at(fact) - at(stopping), "stop within grace").toBeLessThanOrEqual(member.graceMs)
    }
    if (fact.to === "stopped" || fact.to === "failed") {
      const resumed = facts.slice(i + 1).find((f) => f.cause === "start")
      const until = resumed === undefined ? Infinity : at(resumed)
      const spawned = processes.filter((p) => p.spawnedAt > at(fact) && p.spawnedAt < until)
      expect(spawned.map((p) => p.pid), `spawned after ${fact.to} without an operator start`).toEqual([])
    }
  })
  // One process per start or restart fact.
  expect(processes.length).toBe(facts.filter((f) => f.to === "starting" && (f.cause === "start" || f.cause === "restart")).length)
}

describe("supervision properties (scripted launcher, TestClock)", () => {
  it.effect.prop(
    "budget, backoff, legal transitions, bounded stops; operator stops win; failed stays failed",
    [members, scripts, actions],
    ([member, script, plan]) =>
      Effect.gen(function*() {
        const played = yield* play(member, script, plan)
        checkTransitions(played.facts)
        checkBudget(member, played.facts)
        checkBackoff(member, played.facts)
        checkStops(member, played)
      }),
    { timeout: 180_000, fastCheck: { numRuns: Number(process.env["PROP_RUNS"] ?? 200), endOnFailure: process.env["PROP_DEBUG"] !== undefined, ...(process.env["PROP_SEED"] ? { seed: Number(process.env["PROP_SEED"]) } : {}) } }
  )

  it.effect("a crash loop ends in failed with the budget spent, and only an operator start brings it back", () =>
    Effect.gen(function*() {
      const member = FastCheck.sample(members, { seed: 7, numRuns: 1 })[0]!
      const looping: MemberSpec = {
        ...member,
        restart_policy: decodePolicy({ max_restarts: 2, window_sec: 60, backoff: { initial_ms: 100, max_ms: 100, jitter: false } })
      }
      const played = yield* play(looping, [{ readyAfterMs: 10, crashAfterMs: 5, stopMs: 0, ignoresSigterm: false }], [
        { action: "start", afterMs: 20_000 }
      ])
      const keys = played.facts.map(key)
      expect(keys.slice(0, 8)).toEqual([
        "configured>starting:start",
        "starting>ready:ready",
        "ready>starting:crash",
        "starting>starting:restart",
        "starting>ready:ready",
        "ready>starting:crash",
        "starting>starting:restart",
        "starting>ready:ready"
      ])
      expect(keys[8]).toBe("ready>failed:budget-exhausted")
      expect(keys[9]).toBe("failed>starting:start")
      expect(yield* Clock.currentTimeMillis).toBeGreaterThan(0)
    }))
})
