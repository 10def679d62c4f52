/**
 * Loading a node config file: defaults, paths resolved against the file's folder, every problem
 * listed at once, duplicate ids, bundled modules, and encode/decode round trips.
 */
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Arbitrary, Effect, Schema } from "effect"
import * as Path from "node:path"
import { ConfigInvalid } from "../../src/config/ConfigError.js"
import { loadNodeConfig } from "../../src/config/ConfigLoader.js"
import { NodeConfig, NodeSettings } from "../../src/config/NodeConfig.js"
import { ModuleEntry } from "../../src/contract/ModuleEntry.js"
import { manifest, PYTHON } from "../support/Fixture.js"
import { tempDir, writeFile } from "../support/TempFiles.js"

const load = (file: string) => loadNodeConfig(file).pipe(Effect.provide(NodeContext.layer))

/** Loads a config document from a fresh folder; returns the folder and the outcome. */
const loadDocument = (document: unknown, name = "node.json") =>
  Effect.gen(function*() {
    const dir = yield* tempDir
    const file = writeFile(dir, name, document)
    return { dir, file, result: yield* Effect.either(load(file)) }
  })

const invalid = (document: unknown) =>
  Effect.gen(function*() {
    const { result } = yield* loadDocument(document)
    if (result._tag === "Right") return yield* Effect.dieMessage("expected the config to be refused")
    const error = result.left
    if (!(error instanceof ConfigInvalid)) return yield* Effect.dieMessage(`expected ConfigInvalid, got ${error._tag}`)
    return error
  })

const minimalModule = { id: "m", module_id: "mod", component_id: "middleware.m", launch: { executable: "/usr/bin/python3", cwd: "." } }

describe("loadNodeConfig", () => {
  it.scoped("applies every default of CONTRACTS §1.1", () =>
    Effect.gen(function*() {
      const { result } = yield* loadDocument({ modules: [minimalModule] })
      const config = yield* result
      expect(config.node).toMatchObject({ id: "node-1", log_level: "info" })
      const entry = config.modules[0]!
      expect(entry).toMatchObject({ kind: "http_local_json", enabled: true, hooks: [], grants: [], settings: {} })
      expect(entry.launch).toMatchObject({ args: [], env: {} })
      expect({ ...entry.http }).toEqual({
        endpoint: "http://127.0.0.1:0",
        ready_path: "/readyz",
        health_path: "/healthz",
        init_path: "/v1/middleware/init",
        invoke_path: "/v1/middleware/invoke",
        startup_timeout_ms: 15_000,
        request_timeout_ms: 5_000,
        max_response_bytes: 65_536,
        max_in_flight: 32
      })
      expect({ ...entry.restart_policy, backoff: { ...entry.restart_policy.backoff } }).toEqual({
        mode: "on_failure",
        max_restarts: 3,
        window_sec: 60,
        backoff: { initial_ms: 100, max_ms: 5_000, factor: 2, jitter: true, reset_after_ms: 30_000 }
      })
      expect({ ...entry.health }).toEqual({ interval_ms: 5_000, failure_threshold: 3 })
      expect(entry.stop.grace_ms).toBe(3_000)
    }))

  it.scoped("resolves relative paths against the config file's folder", () =>
    Effect.gen(function*() {
      const { dir, result } = yield* loadDocument(
        {
          node: { data_dir: "./state" },
          modules: [
            { ...minimalModule, id: "rel", launch: { executable: "./bin/python3", cwd: "modules/rel" } },
            { ...minimalModule, id: "abs", launch: { executable: "/usr/bin/python3", cwd: "/tmp" } }
          ]
        },
        "nested/folder/node.json"
      )
      const config = yield* result
      const base = Path.join(dir, "nested", "folder")
      expect(config.node.data_dir).toBe(Path.join(base, "state"))
      expect(config.modules[0]?.launch).toMatchObject({ executable: Path.join(base, "bin", "python3"), cwd: Path.join(base, "modules", "rel") })
      expect(config.modules[1]?.launch).toMatchObject({ executable: "/usr/bin/python3", cwd: "/tmp" })
    }))

  it.scoped("lists every problem of a bad file, each with its path, the value and what to write", () =>
    Effect.gen(function*() {
      const error = yield* invalid({
        node: { log_level: "loud" },
        modules: [
          {
            ...minimalModule,
            launch: { executable: "python3", cwd: "." },
            http: { endpoint: "http://10.1.2.3:8080", request_timeout_ms: -5 },
            restart_policy: { mode: "sometimes" },
            colour: "blue"
          },
          { id: "bad id!", module_id: "x", component_id: "y" }
        ]
      })
      const byPath = new Map(error.problems.map((problem) => [problem.path, problem.message]))
      expect([...byPath.keys()].sort()).toEqual([
        "modules[0].colour",
        "modules[0].http.endpoint",
        "modules[0].http.request_timeout_ms",
        "modules[0].launch.executable",
        "modules[0].restart_policy.mode",
        "modules[1].id",
        "modules[1].launch",
        "node.log_level"
      ])
      expect(byPath.get("modules[0].launch.executable")).toContain(`"python3" is a bare command name`)
      expect(byPath.get("modules[0].launch.executable")).toContain(`for example "/usr/bin/python3"`)
      expect(byPath.get("modules[0].http.endpoint")).toContain(`"10.1.2.3" is not a loopback address`)
      expect(byPath.get("modules[0].http.endpoint")).toContain(`"http://127.0.0.1:0"`)
      expect(byPath.get("modules[0].http.request_timeout_ms")).toContain("-5")
      expect(byPath.get("modules[0].restart_policy.mode")).toBe(`must be one of "never", "on_failure"; got "sometimes"`)
      expect(byPath.get("modules[1].id")).toContain(`got "bad id!"`)
      expect(byPath.get("modules[1].launch")).toBe("is missing: add this field")
      expect(byPath.get("node.log_level")).toContain(`"loud"`)
      // The message an operator reads names the file, says nothing started, and lists each problem.
      expect(error.message).toContain("has 8 problems; nothing was started")
      for (const path of byPath.keys()) expect(error.message).toContain(`  - ${path}: `)
    }))

  it.scoped("refuses duplicate executor ids", () =>
    Effect.gen(function*() {
      const error = yield* invalid({ modules: [minimalModule, { ...minimalModule }, { ...minimalModule, id: "n" }] })
      expect(error.problems).toEqual([
        expect.objectContaining({ path: "modules[1].id", message: `"m" is already the id of modules[0]: executor ids must be unique` })
      ])
    }))

  it.scoped("expands bundled modules from the build manifest", () =>
    Effect.gen(function*() {
      const echo = manifest.modules["echo"]
      if (echo === undefined) return yield* Effect.dieMessage("the build manifest has no echo module: run npm run build")
      const { result } = yield* loadDocument({
        modules: [
          { bundled: "echo" },
          { id: "echo2", bundled: "echo", env: { ORBIPLEX_LOG_LEVEL: "debug" }, hooks: ["workflow.event"], stop: { grace_ms: 10 } }
        ]
      })
      const [first, second] = (yield* result).modules
      expect(first).toMatchObject({ id: "echo", module_id: echo.module_id, component_id: "middleware.echo", hooks: echo.hooks })
      expect(first?.launch).toMatchObject({ executable: PYTHON, args: [echo.pyz], cwd: echo.cwd, env: {} })
      expect(second).toMatchObject({ id: "echo2", component_id: "middleware.echo2", hooks: ["workflow.event"] })
      expect(second?.launch.env).toEqual({ ORBIPLEX_LOG_LEVEL: "debug" })
      expect(second?.stop.grace_ms).toBe(10)
    }))

  it.scoped("replaces \"$python\" and \"$node\" in module launches as it does for providers", () =>
    Effect.gen(function*() {
      const { result } = yield* loadDocument({
        modules: [
          { ...minimalModule, id: "py", launch: { executable: "$python", args: ["main.py"], cwd: "." } },
          { ...minimalModule, id: "js", launch: { executable: "$node", args: ["main.js"], cwd: "." } }
        ]
      })
      const [py, js] = (yield* result).modules
      expect(py?.launch.executable).toBe(PYTHON)
      expect(js?.launch.executable).toBe(process.execPath)
    }))

  it.scoped("still refuses a bare command name, naming the placeholders", () =>
    Effect.gen(function*() {
      const error = yield* invalid({ modules: [{ ...minimalModule, launch: { executable: "python3", cwd: "." } }] })
      expect(error.problems[0]?.path).toBe("modules[0].launch.executable")
      expect(error.problems[0]?.message).toContain("\"$python\" / \"$node\"")
    }))

  it.scoped("names the bundled modules there are when one is unknown, once", () =>
    Effect.gen(function*() {
      const error = yield* invalid({ modules: [{ id: "x", bundled: "nope" }] })
      expect(error.problems).toHaveLength(1)
      expect(error.problems[0]?.path).toBe("modules[0].bundled")
      expect(error.problems[0]?.message).toContain(
        `"nope" is not a bundled module; the build has: ${Object.keys(manifest.modules).join(", ")}`
      )
    }))

  it.scoped("reports a missing file and a file that is not JSON as ConfigUnreadable", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const missing = yield* Effect.flip(load(Path.join(dir, "absent.json")))
      expect(missing._tag).toBe("ConfigUnreadable")
      expect(missing.message).toContain("absent.json")
      expect(missing.message).toContain("--config")
      const broken = yield* Effect.flip(load(writeFile(dir, "broken.json", "{ \"modules\": [ }")))
      expect(broken._tag).toBe("ConfigUnreadable")
      expect(broken.message).toContain("not valid JSON")
    }))

  it.prop("ModuleEntry: encode then decode gives the entry back", [Arbitrary.make(ModuleEntry)], ([entry]) => {
    expect(Schema.decodeUnknownSync(ModuleEntry)(Schema.encodeSync(ModuleEntry)(entry))).toStrictEqual(entry)
  }, { fastCheck: { numRuns: 200 } })

  // The hooks, capabilities, providers and pipelines sections are checked in their own folders'
  // tests; their schemas (URLs, type notation, JSON Schema documents) have filters a random
  // generator cannot satisfy in reasonable time.
  const ConfigCore = Schema.Struct({
    node: NodeSettings,
    modules: Schema.Array(ModuleEntry).pipe(Schema.maxItems(3))
  })
  it.prop("NodeConfig: encode then decode gives the config back", [Arbitrary.make(ConfigCore)], ([core]) => {
    const config = NodeConfig.make({ ...core })
    expect(Schema.decodeUnknownSync(NodeConfig)(Schema.encodeSync(NodeConfig)(config))).toStrictEqual(config)
  }, { fastCheck: { numRuns: 100 } })
})
