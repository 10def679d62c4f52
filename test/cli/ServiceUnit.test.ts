/**
 * `orbiplex service unit`: a systemd unit with absolute paths, on-failure restarts, mixed kill mode,
 * a stop timeout above what stopping the members one after another can take, and a cache folder.
 */
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import * as Path from "node:path"
import { unitHandler } from "../../src/cli/ServiceHandlers.js"
import { STOP_MARGIN_SEC } from "../../src/cli/ServiceUnit.js"
import { requireBuild, runCli } from "../support/Cli.js"
import { fixtureEntryJson } from "../support/Fixture.js"
import { tempDir, writeFile } from "../support/TempFiles.js"

const line = (unit: string, key: string): string | undefined =>
  unit.split("\n").find((text) => text.startsWith(`${key}=`))?.slice(key.length + 1)

describe("service unit", () => {
  it.scoped("names absolute paths and a stop timeout above the members' graces", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = writeFile(dir, "node.json", {
        node: { id: "edge-7" },
        modules: [fixtureEntryJson("a", "ok", { stop: { grace_ms: "5s" } }), fixtureEntryJson("b", "ok", { stop: { grace_ms: 2_500 } })]
      })
      const unit = yield* unitHandler({ config: Option.some(file) })
      expect(unit).toContain("Description=Orbiplex node edge-7")
      const exec = line(unit, "ExecStart")?.split(" ") ?? []
      expect(exec[0]).toBe(process.execPath)
      expect(Path.isAbsolute(exec[1] ?? "")).toBe(true)
      expect(exec[1]).toMatch(/dist\/cli\/orbiplex\.js$/)
      expect(exec.slice(2)).toEqual(["start", "--config", file])
      expect(line(unit, "WorkingDirectory")).toBe(dir)
      expect(line(unit, "Restart")).toBe("on-failure")
      expect(line(unit, "KillMode")).toBe("mixed")
      // Stopped one after another: 5 s + 2.5 s, rounded up, plus the margin.
      expect(Number(line(unit, "TimeoutStopSec"))).toBe(8 + STOP_MARGIN_SEC)
      expect(line(unit, "ExecReload")).toBe("/bin/kill -HUP $MAINPID")
      // The bin's compile cache goes to the folder systemd makes for the service's user.
      expect(line(unit, "CacheDirectory")).toBe("orbiplex")
      expect(line(unit, "Environment")).toBe("ORBIPLEX_COMPILE_CACHE=%C/orbiplex")
    }).pipe(Effect.provide(NodeContext.layer)))

  it.scoped("is refused for a config with problems, and printed by the command line", () =>
    Effect.gen(function*() {
      requireBuild()
      const dir = yield* tempDir
      const bad = writeFile(dir, "bad.json", { modules: [{ id: "x" }] })
      const refused = yield* runCli(["service", "unit", "--config", bad])
      expect(refused.code).toBe(1)
      expect(refused.stderr).toContain("modules[0]")
      const good = writeFile(dir, "node.json", { modules: [] })
      const printed = yield* runCli(["service", "unit", "--config", good])
      expect(printed.code).toBe(0)
      expect(printed.stdout).toContain("[Service]")
      expect(line(printed.stdout, "TimeoutStopSec")).toBe(String(STOP_MARGIN_SEC))
    }))
})
