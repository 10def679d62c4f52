/**
 * Reloading a node's config: exactly the modules whose entries changed are restarted, new ones
 * start, removed ones stop, unchanged ones keep their process; a config with problems changes
 * nothing. Once in-process over a real supervisor, once end to end (`orbiplex start`, then
 * `orbiplex reload` and SIGHUP against it).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { NodeConfig } from "../../src/config/NodeConfig.js"
import * as Reload from "../../src/operator/Reload.js"
import { entryDigest, planReload } from "../../src/operator/ReloadPlan.js"
import { requireBuild, runCli } from "../support/Cli.js"
import { fixtureEntry, fixtureEntryJson, nodeConfig } from "../support/Fixture.js"
import { awaitLine, startHost } from "../support/Host.js"
import { factKeys, quiet, startNode } from "../support/Node.js"
import { awaitGone, expectNoLeftoverProcesses } from "../support/Processes.js"
import { tempDir, writeFile } from "../support/TempFiles.js"

expectNoLeftoverProcesses()

describe("reload plan", () => {
  it("compares entries by digest: equal entries are unchanged, a changed field restarts", () => {
    const same = fixtureEntry("same", "ok")
    expect(entryDigest(same)).toBe(entryDigest(fixtureEntry("same", "ok")))
    // "3s" and 3000 are one grace: no restart for writing it another way.
    expect(entryDigest(fixtureEntry("same", "ok", { stop: { grace_ms: "1s" } }))).toBe(entryDigest(same))
    const plan = planReload(
      [same, fixtureEntry("changed", "ok"), fixtureEntry("gone", "ok")],
      [same, fixtureEntry("changed", "ok", { settings: { x: 1 } }), fixtureEntry("new", "ok")]
    )
    expect(plan.unchanged).toEqual(["same"])
    expect(plan.changed.map((change) => change.entry.id)).toEqual(["changed"])
    expect(plan.removed).toEqual(["gone"])
    expect(plan.added.map((entry) => entry.id)).toEqual(["new"])
  })
})

describe("reload of a running node", () => {
  it.scopedLive("adds one module, removes one, restarts a changed one and leaves an unchanged one's pid alone", () =>
    Effect.gen(function*() {
      const node = yield* startNode([fixtureEntry("keep", "ok"), fixtureEntry("change", "ok"), fixtureEntry("drop", "ok")])
      const pidOf = (id: string) => Effect.map(node.supervisor.inspect(id), (status) => status.pid)
      const keepPid = yield* pidOf("keep")
      const changePid = yield* pidOf("change")
      const port = yield* Reload.make
      let next: NodeConfig | undefined
      yield* port.install(node.supervisor, {
        file: "node.json",
        load: Effect.suspend(() => (next === undefined ? Effect.fail(["modules[1].launch: is missing"]) : Effect.succeed(next)))
      })

      // A config with problems is refused and nothing changes.
      const refused = yield* port.reload
      expect(refused).toMatchObject({ outcome: "refused", problems: ["modules[1].launch: is missing"] })
      expect(node.supervisor.ids).toEqual(["keep", "change", "drop"])

      next = nodeConfig([fixtureEntry("keep", "ok"), fixtureEntry("change", "ok", { settings: { v: 2 } }), fixtureEntry("add", "ok")])
      const report = yield* port.reload
      expect(report).toMatchObject({ outcome: "applied", added: ["add"], removed: ["drop"], restarted: ["change"], unchanged: ["keep"] })
      expect(node.supervisor.ids).toEqual(["keep", "change", "add"])
      expect((yield* node.supervisor.list).map((status) => status.executor_id)).toEqual(["keep", "change", "add"])
      expect(yield* pidOf("keep")).toBe(keepPid)
      const changed = yield* node.supervisor.awaitStatus("change", (status) => status.state === "ready")
      expect(changed.pid).not.toBe(changePid)
      expect(yield* factKeys(node, "change")).toContain("stopped>starting:config-digest-change")
      expect((yield* factKeys(node, "drop")).slice(-2)).toEqual([
        "ready>stopping:config-digest-change",
        "stopping>stopped:config-digest-change"
      ])
      expect((yield* node.supervisor.awaitStatus("add", (status) => status.state === "ready")).pid).toBeGreaterThan(0)
      expect(yield* factKeys(node, "add")).toContain("configured>starting:config-digest-change")
      expect(node.supervisor.entries.find((entry) => entry.id === "change")?.settings).toEqual({ v: 2 })
      // The removed module is gone from the node.
      expect(yield* Effect.either(node.supervisor.inspect("drop"))).toMatchObject({ _tag: "Left" })
    }).pipe(quiet), 30_000)
})

describe("orbiplex reload and SIGHUP", () => {
  it.scopedLive("apply a changed config file to a running node", () =>
    Effect.gen(function*() {
      requireBuild()
      const dir = yield* tempDir
      const config = (modules: ReadonlyArray<unknown>) =>
        writeFile(dir, "node.json", { node: { data_dir: "./data" }, operator: { listen: "127.0.0.1:0" }, modules })
      const file = config([fixtureEntryJson("keep", "ok"), fixtureEntryJson("drop", "ok")])
      const host = yield* startHost(file)
      const listening = yield* awaitLine(host, /operator API listening on http:\/\/(127\.0\.0\.1:\d+)/).pipe(Effect.timeout("20 seconds"))
      yield* awaitLine(host, /member\(s\) serving/).pipe(Effect.timeout("20 seconds"))
      const env = { ...process.env, ORBIPLEX_OPERATOR: listening[1], ORBIPLEX_CONFIG: file }
      const status = () => Effect.map(runCli(["status", "--json"], env), (run) => ({ ...run, json: JSON.parse(run.stdout) }))
      const before = yield* status()
      expect(before.code).toBe(0)

      // A broken file is refused with its problems; the node runs on.
      writeFile(dir, "node.json", { node: { data_dir: "./data" }, operator: { listen: "127.0.0.1:0" }, modules: [{ id: "x" }] })
      const refused = yield* runCli(["reload"], env)
      expect(refused.code).toBe(1)
      expect(refused.stderr).toContain("refused")
      expect(refused.stderr).toContain("modules[0]")

      config([fixtureEntryJson("keep", "ok"), fixtureEntryJson("add", "ok")])
      const reloaded = yield* runCli(["reload"], env)
      expect(reloaded.stdout).toContain("1 added, 1 removed, 0 restarted, 1 unchanged")
      expect(reloaded.code).toBe(0)

      // SIGHUP does the same: here it restarts "keep" with new settings.
      config([fixtureEntryJson("keep", "ok", { settings: { v: 2 } }), fixtureEntryJson("add", "ok")])
      host.kill("SIGHUP")
      yield* awaitLine(host, /0 added, 0 removed, 1 restarted, 1 unchanged/).pipe(Effect.timeout("20 seconds"))
      const after = yield* status()
      const ids = after.json.members.map((member: { executor_id: string }) => member.executor_id)
      expect(ids).toEqual(["keep", "add"])

      // Ctrl+C stops the node and the modules the reloads started.
      const exited = Effect.async<number | null>((resume) => {
        host.once("exit", (code) => resume(Effect.succeed(code)))
      })
      host.kill("SIGINT")
      expect(yield* exited.pipe(Effect.timeout("10 seconds"))).toBe(0)
      for (const member of after.json.members) yield* awaitGone(member.pid, 2_000)
    }), 60_000)
})
