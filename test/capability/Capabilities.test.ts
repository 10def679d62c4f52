/**
 * Host capabilities behind intents: the registry as the `IntentHost` port, `inquirium.request` with the
 * deterministic and the OpenAI-compatible provider (against a loopback fake), and `workspace.stage`
 * writing under the data folder only.
 */
import { FileSystem, Path } from "@effect/platform"
import { NodeContext, NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Context, Effect, Layer, Option, Schema } from "effect"
import * as Http from "node:http"
import type { Intent } from "../../src/contract/Decision.js"
import * as Capabilities from "../../src/capability/Capability.js"
import * as HostCapabilities from "../../src/capability/HostCapabilities.js"
import * as Inquirium from "../../src/capability/Inquirium.js"
import * as WorkspaceStage from "../../src/capability/WorkspaceStage.js"
import * as NodeCapabilities from "../../src/node/NodeCapabilities.js"
import { type IntentContext, IntentHost } from "../../src/middleware/IntentHost.js"

const context = (executorId = "arca", deadline = Number.MAX_SAFE_INTEGER): IntentContext => ({
  hook: "workflow.event",
  executorId,
  moduleId: "orbiplex-arca",
  correlationId: "corr",
  causalityId: "cause:1",
  deadline
})

const intent = (capability: string, input: Intent["input"], id = "i1"): Intent => ({ intent_id: id, capability, input })

/** The shipped capabilities over a fresh temp data folder. */
const withHost = <A, E>(body: (host: IntentHost["Type"], dataDir: string) => Effect.Effect<A, E, FileSystem.FileSystem | Path.Path>) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const dataDir = yield* fs.makeTempDirectoryScoped({ prefix: "orbiplex-caps-" })
    const context = yield* Layer.build(
      NodeCapabilities.layerProviderSide({ dataDir, capabilities: HostCapabilities.defaultCapabilities }).pipe(
        Layer.provideMerge(Capabilities.layerPort)
      )
    )
    return yield* body(Context.get(context, IntentHost), dataDir)
  }).pipe(Effect.provide(Layer.merge(NodeContext.layer, NodeHttpClient.layerUndici)))

describe("Capabilities registry", () => {
  it.scoped("lists the shipped capabilities and rejects an unknown one by name", () =>
    withHost((host) =>
      Effect.gen(function*() {
        expect(host.capabilities).toEqual(["inquirium.request", "workspace.stage"])
        expect(host.check("catalog.publish-offer", {})).toEqual(
          Option.some("this host provides no capability \"catalog.publish-offer\"; it provides inquirium.request, workspace.stage")
        )
        const result = yield* host.execute(intent("catalog.publish-offer", {}), context())
        expect(result).toMatchObject({ intent_id: "i1", status: "rejected" })
      })
    ))

  it.effect("a new capability plugs in as one more service, and its work is bounded by the deadline", () =>
    Effect.gen(function*() {
      class Slow extends Context.Tag("test/Slow")<Slow, Capabilities.Capability>() {}
      const slow = Capabilities.make({
        id: "workflow.schedule",
        description: "never finishes",
        input: Schema.Struct({ at: Schema.String }),
        output: Schema.Struct({ ok: Schema.Boolean }),
        run: () => Effect.never
      })
      const host = yield* IntentHost.pipe(
        Effect.provide(Capabilities.layerFrom(Slow).pipe(Layer.provide(Layer.succeed(Slow, slow))))
      )
      expect(host.capabilities).toEqual(["workflow.schedule"])
      expect(Option.getOrThrow(host.check("workflow.schedule", { at: 1 }))).toContain("input.at")
      const result = yield* host.execute(intent("workflow.schedule", { at: "now" }), context("arca", 0))
      expect(result.status).toBe("failed")
      expect(result.error).toContain("did not finish within the 0 ms left")
    }))
})

describe("inquirium.request", () => {
  it.scoped("the deterministic provider answers from the prompt: same prompt, same answer", () =>
    withHost((host) =>
      Effect.gen(function*() {
        const first = yield* host.execute(intent("inquirium.request", { prompt: "Summarise the   news" }), context())
        const again = yield* host.execute(intent("inquirium.request", { prompt: "Summarise the   news" }), context())
        const other = yield* host.execute(intent("inquirium.request", { prompt: "Something else" }), context())
        expect(first.status).toBe("ok")
        expect(first.result).toEqual(again.result)
        expect(first.result).toMatchObject({ model: "deterministic-v1", provider: "deterministic" })
        expect(JSON.stringify(first.result)).toContain("Summarise the news")
        expect(other.result).not.toEqual(first.result)
        expect(Option.getOrThrow(host.check("inquirium.request", { prompt: "" }))).toContain("input.prompt")
        expect(Option.getOrThrow(host.check("inquirium.request", { prompt: "x", vendor: "gpt" }))).toContain("vendor")
      })
    ))

  it.scopedLive("the OpenAI-compatible provider posts a chat completion with the key from the named variable", () =>
    Effect.gen(function*() {
      const seen: Array<{ auth: string | undefined; body: unknown; url: string | undefined }> = []
      const server = yield* Effect.acquireRelease(
        Effect.async<Http.Server>((resume) => {
          const s = Http.createServer((req, res) => {
            let body = ""
            req.on("data", (chunk: Buffer) => (body += chunk.toString()))
            req.on("end", () => {
              seen.push({ auth: req.headers.authorization, body: JSON.parse(body), url: req.url })
              const fail = req.headers.authorization !== "Bearer sk-test"
              res.writeHead(fail ? 401 : 200, { "content-type": "application/json" })
              res.end(JSON.stringify(fail ? { error: { message: "bad key" } } : {
                model: "m-1",
                choices: [{ message: { content: "hello from the model" } }],
                usage: { prompt_tokens: 3, completion_tokens: 4 }
              }))
            })
          })
          s.listen(0, "127.0.0.1", () => resume(Effect.succeed(s)))
        }),
        (s) =>
          Effect.async<void>((resume) => {
            s.close(() => resume(Effect.void))
          })
      )
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      const settings = {
        provider: "openai_compatible" as const,
        base_url: `http://127.0.0.1:${port}/v1/`,
        model: "m-1",
        api_key_env: "TEST_INQUIRIUM_KEY"
      }
      const providerWith = (env: Record<string, string>) =>
        Inquirium.makeOpenAiCompatible(settings).pipe(
          Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))
        )
      const provider = yield* providerWith({ TEST_INQUIRIUM_KEY: "sk-test" })
      const answer = yield* provider.complete({ prompt: "hi", system: "be brief", max_tokens: 20 })
      expect(answer).toEqual({
        text: "hello from the model",
        model: "m-1",
        provider: "openai_compatible",
        usage: { prompt_tokens: 3, completion_tokens: 4 }
      })
      expect(seen[0]).toEqual({
        auth: "Bearer sk-test",
        url: "/v1/chat/completions",
        body: {
          model: "m-1",
          messages: [{ role: "system", content: "be brief" }, { role: "user", content: "hi" }],
          max_tokens: 20
        }
      })
      const refused = yield* Effect.flip((yield* providerWith({ TEST_INQUIRIUM_KEY: "wrong" })).complete({ prompt: "hi" }))
      expect(refused.message).toContain("answered HTTP 401")
      expect(refused.message).not.toContain("wrong")
      const missing = yield* Effect.flip((yield* providerWith({})).complete({ prompt: "hi" }))
      expect(missing.message).toContain("environment variable TEST_INQUIRIUM_KEY is not set")
      expect(seen).toHaveLength(2)
    }).pipe(Effect.provide(NodeHttpClient.layerUndici)))

  it("settings are decoded from config: deterministic by default, URL and variable name checked", () => {
    expect(HostCapabilities.defaultCapabilities.inquirium).toEqual({ provider: "deterministic" })
    const decode = Schema.decodeUnknownEither(Inquirium.InquiriumSettings)
    expect(decode({ provider: "openai_compatible", base_url: "ftp://x", model: "m", api_key_env: "K" })._tag).toBe("Left")
    expect(decode({ provider: "openai_compatible", base_url: "https://api.example/v1", model: "m", api_key_env: "A KEY" })._tag).toBe("Left")
    expect(decode({ provider: "openai_compatible", base_url: "https://api.example/v1", model: "m", api_key_env: "KEY" })._tag).toBe("Right")
  })
})

describe("workspace.stage", () => {
  it.scoped("writes under <data_dir>/workspace/<executor>/ and answers the size and digest", () =>
    withHost((host, dataDir) =>
      Effect.gen(function*() {
        const fs = yield* FileSystem.FileSystem
        const result = yield* host.execute(intent("workspace.stage", { path: "out/summary.md", content: "# Hi\n" }), context("arca"))
        expect(result).toMatchObject({ status: "ok", result: { path: "out/summary.md", bytes: 5 } })
        expect(yield* fs.readFileString(`${dataDir}/workspace/arca/out/summary.md`)).toBe("# Hi\n")
        const binary = yield* host.execute(
          intent("workspace.stage", { path: "img.bin", content: Buffer.from([0, 1, 2]).toString("base64"), encoding: "base64" }),
          context("arca")
        )
        expect(binary).toMatchObject({ status: "ok", result: { bytes: 3 } })
        // Replaced atomically by default; refused when overwrite is false.
        yield* host.execute(intent("workspace.stage", { path: "out/summary.md", content: "v2" }), context("arca"))
        expect(yield* fs.readFileString(`${dataDir}/workspace/arca/out/summary.md`)).toBe("v2")
        const exclusive = yield* host.execute(intent("workspace.stage", { path: "out/summary.md", content: "v3", overwrite: false }), context("arca"))
        expect(exclusive.status).toBe("failed")
        expect(exclusive.error).toContain("may already exist")
        expect(yield* fs.readDirectory(`${dataDir}/workspace/arca/out`)).toEqual(["summary.md"])
      })
    ))

  it.scoped.each([
    ["../escape.txt", "path traversal is refused"],
    ["out/../../x", "path traversal is refused"],
    ["/etc/passwd", "is absolute"],
    ["C:/x", "is absolute"],
    ["a//b", "empty or \".\" segment"],
    ["./a", "empty or \".\" segment"],
    ["a\\b", "separate folders with \"/\""],
    ["", "is empty"]
  ])("refuses the path %j at validation (%s)", ([path, reason]) =>
    withHost((host, dataDir) =>
      Effect.gen(function*() {
        const problem = host.check("workspace.stage", { path: path ?? "", content: "x" })
        expect(Option.getOrThrow(problem)).toContain(reason)
        expect(Option.getOrThrow(problem)).toContain("input.path")
        const fs = yield* FileSystem.FileSystem
        expect(yield* fs.exists(`${dataDir}/escape.txt`)).toBe(false)
      })
    ))

  it.scoped("refuses a folder that a symlink leads out of the workspace, and files over the size bound", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const dataDir = yield* fs.makeTempDirectoryScoped({ prefix: "orbiplex-caps-" })
      const outside = yield* fs.makeTempDirectoryScoped({ prefix: "orbiplex-outside-" })
      yield* fs.makeDirectory(`${dataDir}/workspace/arca`, { recursive: true })
      yield* fs.symlink(outside, `${dataDir}/workspace/arca/link`)
      const stage = yield* WorkspaceStage.make({ dataDir, maxBytes: 4 })
      const escaped = yield* Effect.flip(stage.run({ path: "link/x.txt", content: "abc" }, context("arca")))
      expect(escaped.message).toContain("leads out of the workspace through a symlink")
      expect(yield* fs.readDirectory(outside)).toEqual([])
      const big = yield* Effect.flip(stage.run({ path: "big.txt", content: "12345" }, context("arca")))
      expect(big.message).toContain("at most 4")
    }).pipe(Effect.provide(NodeContext.layer)))
})
