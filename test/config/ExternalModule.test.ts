/**
 * A module outside the repository (docs/writing-modules.md): the example greeter copied to a temp
 * folder imports `orbiplex_sdk` with no PYTHONPATH of its own, because the config loader appends the
 * bundled SDK's folder to the entry's PYTHONPATH; `"$python"` names the interpreter the build found.
 */
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { loadNodeConfig } from "../../src/config/ConfigLoader.js"
import { PYTHON, REPO_ROOT } from "../support/Fixture.js"
import { envelope, quiet, startNode } from "../support/Node.js"
import { expectNoLeftoverProcesses } from "../support/Processes.js"
import { tempDir, writeFile } from "../support/TempFiles.js"

expectNoLeftoverProcesses()

const EXAMPLE = Path.join(REPO_ROOT, "examples", "modules", "greeter")
const SDK_FOLDER = Path.join(REPO_ROOT, "modules", "sdk", "python")

/** The greeter's files in a fresh folder outside the repository; returns its config file. */
const copyExample = (dir: string, edit: (config: Record<string, unknown>) => Record<string, unknown> = (config) => config) => {
  for (const name of ["main.py", "module.json"]) Fs.copyFileSync(Path.join(EXAMPLE, name), Path.join(dir, name))
  const config: Record<string, unknown> = JSON.parse(Fs.readFileSync(Path.join(EXAMPLE, "orbiplex.json"), "utf8"))
  return writeFile(dir, "orbiplex.json", edit(config))
}

const load = (file: string) => loadNodeConfig(file).pipe(Effect.provide(NodeContext.layer))

describe("a module outside the repository", () => {
  it.scoped("gets \"$python\" resolved and the SDK folder appended to the PYTHONPATH it sets", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = copyExample(dir, (config) => ({
        ...config,
        modules: [{
          id: "greeter",
          module_id: "example-greeter",
          component_id: "middleware.greeter",
          launch: { executable: "$python", args: ["main.py"], cwd: ".", env: { PYTHONPATH: "/opt/mine" } }
        }]
      }))
      const [entry] = (yield* load(file)).modules
      expect(entry?.launch.executable).toBe(PYTHON)
      expect(entry?.launch.cwd).toBe(dir)
      expect(entry?.launch.env["PYTHONPATH"]).toBe(`/opt/mine:${SDK_FOLDER}`)
    }))

  it.scopedLive("imports the SDK, starts, and answers its hook with the settings it was given", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const config = yield* load(copyExample(dir))
      expect(config.modules[0]?.launch.env["PYTHONPATH"]).toBe(SDK_FOLDER)
      const node = yield* startNode(config.modules)
      const decision = yield* node.client.invoke(
        "greeter",
        { ...envelope({ order: { order_id: "order_1", service_type: "news.topical" } }) }
      )
      expect(decision.decision).toBe("rewrite")
      expect(decision.patch).toEqual({ response: { summary: "good morning, news.topical" } })
    }).pipe(quiet))
})
