/**
 * `orbiplex hook run`: parses its arguments, starts the configured modules, runs one chain, prints the
 * result as JSON, stops every module before returning, and fails (non-zero exit) when the chain was
 * rejected or failed.
 */
import { Command } from "@effect/cli"
import { NodeContext } from "@effect/platform-node"
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Console, Effect } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { hookCommand } from "../../src/cli/HookCommand.js"
import { runHookOnce } from "../../src/cli/HookHandlers.js"
import { CHAIN_SCRIPT, decision } from "../middleware/ChainHarness.js"
import { fixtureEntryJson, RUN_MARKER } from "../support/Fixture.js"
import { quiet } from "../support/Node.js"
import { expectNoLeftoverProcesses, processesMarked } from "../support/Processes.js"

expectNoLeftoverProcesses()

const module = (id: string, hooks: Array<string>, script: Array<unknown>) =>
  fixtureEntryJson(id, "ok", {
    module_id: `fixture-${id}`,
    hooks,
    launch: { args: [CHAIN_SCRIPT, RUN_MARKER] },
    env: { CHAIN_SCRIPT: JSON.stringify(script), FIXTURE_MODULE_ID: `fixture-${id}` }
  })

const dirs: Array<string> = []
afterAll(() => {
  for (const dir of dirs) Fs.rmSync(dir, { recursive: true, force: true })
})

const writeConfig = (document: unknown): string => {
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "orbiplex-hook-cli-"))
  dirs.push(dir)
  const file = Path.join(dir, "node.json")
  Fs.writeFileSync(file, JSON.stringify(document))
  return file
}

const config = writeConfig({
  node: { id: "cli-test", data_dir: "./data", log_level: "none" },
  modules: [
    module("dator", ["service.execute"], [decision("rewrite", { patch: { response: { content: "done", order_id: "x" } } })]),
    module("gate", ["t.gate"], [decision("reject", { reason: "not today" })])
  ],
  hooks: { "t.gate": { admits: ["allow", "reject"] } }
})

const order = { order: { order_id: "order-1", service_type: "redaction" } }

/** Runs `effect` with Console.log captured. */
const capturing = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const lines: Array<string> = []
    const exit = yield* Console.consoleWith((console) =>
      Effect.withConsole(Effect.exit(effect), {
        ...console,
        log: (...args: ReadonlyArray<unknown>) => Effect.sync(() => void lines.push(args.map(String).join(" ")))
      })
    )
    return { exit, stdout: lines.join("\n") }
  })

const cli = Command.run(Command.make("orbiplex").pipe(Command.withSubcommands([hookCommand])), {
  name: "orbiplex",
  version: "test"
})

describe("orbiplex hook run", () => {
  it.live("prints outcome, final payload and trace as JSON, and stops every module before returning", () =>
    Effect.gen(function*() {
      const { exit, stdout } = yield* capturing(
        runHookOnce({ file: config, hook: "service.execute", payload: JSON.stringify(order), correlationId: "cli-1" })
      )
      expect(exit._tag).toBe("Success")
      const printed = JSON.parse(stdout)
      expect(printed.outcome).toBe("completed")
      expect(printed.payload.response).toEqual({ content: "done" })
      expect(printed.trace.correlation_id).toBe("cli-1")
      expect(printed.trace.executors[0].clipped).toEqual([{ path: "response.order_id", reason: "not-granted" }])
      expect(processesMarked()).toEqual([])
    }).pipe(Effect.provide(NodeContext.layer), quiet))

  it.live("parses its arguments (payload from @file) and fails when the chain was rejected", () =>
    Effect.gen(function*() {
      const payloadFile = Path.join(Path.dirname(config), "payload.json")
      Fs.writeFileSync(payloadFile, JSON.stringify({ anything: 1 }))
      const { exit, stdout } = yield* capturing(
        cli(["node", "orbiplex", "hook", "run", "t.gate", "--config", config, "--payload", `@${payloadFile}`])
      )
      expect(JSON.parse(stdout)).toMatchObject({ outcome: "rejected", reason: "not today" })
      expect(exit._tag).toBe("Failure")
      if (exit._tag === "Failure") expect(String(exit.cause)).toContain("ChainNotPassed")
      expect(processesMarked()).toEqual([])
    }).pipe(Effect.provide(NodeContext.layer), quiet))

  it.live("--deadline bounds the whole command, module starts included, and stops what it started", () =>
    Effect.gen(function*() {
      const slow = writeConfig({
        node: { id: "cli-deadline", data_dir: "./data", log_level: "none" },
        modules: [
          fixtureEntryJson("late", "never_ready", {
            hooks: ["service.execute"],
            http: { startup_timeout_ms: 120_000 },
            restart_policy: { mode: "never" }
          })
        ]
      })
      const { exit } = yield* capturing(
        cli(["node", "orbiplex", "hook", "run", "service.execute", "--config", slow, "--payload", "{}", "--deadline", "2s"])
      )
      expect(exit._tag).toBe("Failure")
      if (exit._tag === "Failure") {
        expect(String(exit.cause)).toContain("HookRunDeadlineExceeded")
        expect(String(exit.cause)).toContain("--deadline 2000 ms")
      }
      expect(processesMarked()).toEqual([])
    }).pipe(Effect.provide(NodeContext.layer), quiet))

  it.live("refuses a payload that is not a JSON object before starting anything", () =>
    Effect.gen(function*() {
      const { exit } = yield* capturing(runHookOnce({ file: config, hook: "service.execute", payload: "[1,2]" }))
      expect(exit._tag).toBe("Failure")
      if (exit._tag === "Failure") expect(String(exit.cause)).toContain("not a JSON object")
    }).pipe(Effect.provide(NodeContext.layer), quiet))
})
