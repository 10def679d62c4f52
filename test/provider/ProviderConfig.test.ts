/**
 * The `providers` section: defaults, every problem reported with its path (malformed types with
 * their position), the rules of supervised providers, and how call options are merged.
 */
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Schema } from "effect"
import * as Path from "node:path"
import { callOptionsOf, decodeProviders, ProviderEntry, providerProblems } from "../../src/provider/ProviderConfig.js"
import { PYTHON } from "../support/Fixture.js"

const minimal = {
  name: "Sentiment",
  url: "http://127.0.0.1:8080/invoke",
  input_schema: { text: "String" },
  output_schema: { sentiment: "String", confidence: "Float" }
}
const decode = Schema.decodeUnknownSync(ProviderEntry)
const problemsFor = (section: ReadonlyArray<unknown>) =>
  Effect.flip(decodeProviders("/etc/orbiplex/node.json", section)).pipe(
    Effect.map((e) => e.problems.map((p) => `${p.path}: ${p.message}`)),
    Effect.provide(NodeContext.layer)
  )

describe("ProviderEntry", () => {
  it("applies the defaults of CONTRACTS §3.1", () => {
    const entry = decode(minimal)
    expect(entry).toMatchObject({ name: "Sentiment", timeout: 30_000, idempotent: true, require_healthy: false, max_response_bytes: 1_048_576 })
    expect(entry.input_schema).toEqual({ _tag: "Record", fields: { text: { _tag: "String" } } })
    expect(entry.launch).toBeUndefined()
  })

  it.effect("reports every problem with its path, malformed types with their position", () =>
    Effect.gen(function*() {
      const problems = yield* problemsFor([
        { ...minimal, name: "has space", url: "ftp://x", timeout: "soon", input_schema: { text: "List<Strng>" }, with: { retry: -1, retries: 2 } },
        { ...minimal, output_schema: "String" }
      ])
      expect(problems).toContainEqual(expect.stringMatching(/^providers\[0\]\.name: must be a module name/))
      expect(problems).toContainEqual(expect.stringContaining("providers[0].url: \"ftp://x\" is not an http:// or https:// URL"))
      expect(problems).toContainEqual(expect.stringContaining("providers[0].timeout: \"soon\" is not a duration"))
      expect(problems).toContainEqual(expect.stringContaining("providers[0].input_schema: text: expected a type at 5 in \"List<Strng>\", found \"Strng\""))
      expect(problems).toContainEqual(expect.stringContaining("providers[0].with: retries: is unexpected, expected: \"retry\""))
      expect(problems).toContainEqual(expect.stringContaining("; retry: Expected a non-negative number, actual -1"))
      expect(problems).toContainEqual(expect.stringContaining("providers[1].output_schema: expected a record of types"))
    }))

  it.effect("checks names, default fallbacks and the rules of supervised providers", () =>
    Effect.gen(function*() {
      const launch = { executable: "/usr/bin/python3", args: ["main.py"], cwd: "." }
      const problems = yield* problemsFor([
        { ...minimal, with: { fallback: { sentiment: "neutral" } } },
        { ...minimal, url: "http://10.0.0.5:8080/invoke", launch },
        { ...minimal, name: "B", url: "http://127.0.0.1:0/invoke", launch },
        { ...minimal, name: "C", url: "http://127.0.0.1:0/invoke", health_url: "http://127.0.0.1:9/health", launch },
        { ...minimal, name: "D", launch: { ...launch, executable: "python3" } }
      ])
      expect(problems).toEqual([
        "providers[4].launch.executable: \"python3\" is a bare command name; the host never searches PATH: write the program's path, or \"$python\" / \"$node\""
      ])
      const entries = [
        decode({ ...minimal, with: { fallback: { sentiment: "neutral" } } }),
        decode({ ...minimal, url: "http://10.0.0.5:8080/invoke", launch }),
        decode({ ...minimal, name: "B", url: "http://127.0.0.1:0/invoke", launch }),
        decode({ ...minimal, name: "C", url: "http://127.0.0.1:0/invoke", health_url: "http://127.0.0.1:9/health", launch })
      ]
      expect(providerProblems(entries).map((p) => `${p.path}: ${p.message}`)).toEqual([
        "providers[0].with.fallback: is not a value of output_schema { sentiment: String, confidence: Float } (confidence: expected Float, received missing): give a fallback of that type, or remove it",
        "providers[1].name: \"Sentiment\" is already the name of providers[0]: provider names must be unique",
        "providers[1].url: a supervised provider (with \"launch\") listens on loopback over http: use \"http://127.0.0.1:0/invoke\" (port 0: the provider announces the port it picked)",
        "providers[1].health_url: is missing: a supervised provider is ready when its health_url answers 200; add it, for example \"http://10.0.0.5:8080/health\"",
        "providers[2].health_url: is missing: a supervised provider is ready when its health_url answers 200; add it, for example \"http://127.0.0.1:0/health\"",
        "providers[3].health_url: must be on the same host and port as url (127.0.0.1:0): the host reads the port of both from the provider's announcement"
      ])
    }))

  it.effect("resolves launch paths against the config file's folder and replaces $python and $node", () =>
    Effect.gen(function*() {
      const launched = (executable: string, cwd: string) => ({
        ...minimal,
        name: `P${cwd.length}${executable.length}`,
        url: "http://127.0.0.1:0/invoke",
        health_url: "http://127.0.0.1:0/health",
        launch: { executable, cwd }
      })
      const entries = yield* decodeProviders("/srv/node/node.json", [
        launched("$python", "providers/sentiment"),
        launched("$node", "/opt/keywords"),
        launched("bin/run", "x")
      ])
      expect(entries.map((e) => [e.launch?.executable, e.launch?.cwd])).toEqual([
        [PYTHON, Path.resolve("/srv/node/providers/sentiment")],
        [process.execPath, "/opt/keywords"],
        ["/srv/node/bin/run", "/srv/node/x"]
      ])
      // Already decoded entries are taken as they are (the node config may decode them first).
      const again = yield* decodeProviders("/srv/node/node.json", entries)
      expect(again).toEqual(entries)
    }).pipe(Effect.provide(NodeContext.layer)))

  it("merges call options: the entry's timeout and idempotence, then its `with`, then the call's own", () => {
    const entry = decode({ ...minimal, timeout: "5s", idempotent: false, with: { retry: 2, timeout: "3s", cache: "1min" } })
    const merged = Either.getOrThrow(callOptionsOf(entry, { retry: 4 }))
    expect(merged).toMatchObject({ retry: 4, timeout: 3_000, cache: 60_000, idempotent: false, on_error: "propagate" })
    expect(Either.getOrThrow(callOptionsOf(decode(minimal), undefined)).timeout).toBe(30_000)
    expect(Either.isLeft(callOptionsOf(entry, { retry: "many" }))).toBe(true)
  })
})
