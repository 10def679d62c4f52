/**
 * The operator API over real loopback HTTP, in front of a node running the fixture module: list,
 * inspect, restart, stop, start, unknown ids and routes, and the loopback-only config.
 */
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { NodeContext, NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Context, Deferred, Effect, Either, Exit, Layer, Logger, Redacted, Schema } from "effect"
import * as TraceStore from "../../src/middleware/TraceStore.js"
import { OperatorServer } from "../../src/operator/OperatorApi.js"
import * as OperatorApi from "../../src/operator/OperatorApi.js"
import { makeOperatorClient } from "../../src/operator/OperatorClient.js"
import { OperatorConfig } from "../../src/operator/OperatorConfig.js"
import * as OperatorToken from "../../src/operator/OperatorToken.js"
import { LifecycleLog } from "../../src/supervisor/LifecycleLog.js"
import { Supervisor } from "../../src/supervisor/Supervisor.js"
import { fixtureEntry } from "../support/Fixture.js"
import { quiet, startNode, type TestNode } from "../support/Node.js"
import { tempDir } from "../support/TempFiles.js"
import { expectNoLeftoverProcesses, isAlive } from "../support/Processes.js"

expectNoLeftoverProcesses()

const TOKEN = "test-token-operator-api"

/** Serves the operator API over `node` on a free loopback port, for the test's scope. */
const serve = (node: TestNode) =>
  Effect.gen(function*() {
    const layer = OperatorApi.layer({ listen: { host: "127.0.0.1", port: 0 } }).pipe(
      Layer.provide(Layer.succeed(Supervisor, node.supervisor)),
      Layer.provide(Layer.succeed(LifecycleLog, node.log)),
      Layer.provide(TraceStore.layer),
      Layer.provide(OperatorToken.layerValue(TOKEN))
    )
    const context = yield* Layer.build(layer)
    return Context.get(context, OperatorServer)
  })

const withHttp = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.provide(effect, NodeHttpClient.layerUndici)

/** A raw GET or POST: status and decoded JSON body. */
const raw = (method: "GET" | "POST", url: string) =>
  Effect.flatMap(HttpClient.HttpClient, (http) =>
    http.execute((method === "GET" ? HttpClientRequest.get(url) : HttpClientRequest.post(url)).pipe(HttpClientRequest.bearerToken(TOKEN))).pipe(
      Effect.flatMap((response) => Effect.map(response.json, (body) => ({ status: response.status, body }))),
      Effect.scoped,
      Effect.timeout("10 seconds")
    ))

describe("operator API", () => {
  it.scopedLive("lists, inspects, restarts, stops and starts modules over HTTP", () =>
    Effect.gen(function*() {
      const node = yield* startNode([fixtureEntry("echo", "ok"), fixtureEntry("other", "ok")])
      const server = yield* serve(node)
      expect(server.address.host).toBe("127.0.0.1")
      expect(server.address.port).toBeGreaterThan(0)
      const client = yield* makeOperatorClient(server.url, Redacted.make(TOKEN))

      const listed = yield* client.list
      expect(listed.map((status) => [status.executor_id, status.state])).toEqual([["echo", "ready"], ["other", "ready"]])
      const firstPid = listed[0]?.pid
      expect(firstPid).toBeTypeOf("number")

      const detail = yield* client.inspect("echo")
      expect(detail.status.pid).toBe(firstPid)
      expect(detail.facts.map((fact) => `${fact.from}>${fact.to}`)).toEqual(["configured>starting", "starting>starting", "starting>ready"])

      // A restart answers once the new process serves: a new pid, and the old one is gone.
      const restarted = yield* client.act("echo", "restart")
      expect(restarted.state).toBe("ready")
      expect(restarted.pid).toBeTypeOf("number")
      expect(restarted.pid).not.toBe(firstPid)
      expect(isAlive(firstPid ?? -1)).toBe(false)
      expect((yield* client.inspect("echo")).status.pid).toBe(restarted.pid)

      const stopped = yield* client.act("echo", "stop")
      expect(stopped.state).toBe("stopped")
      expect(stopped.pid).toBeUndefined()
      expect(isAlive(restarted.pid ?? -1)).toBe(false)
      // The other module was never touched.
      expect((yield* client.inspect("other")).status.pid).toBe(listed[1]?.pid)

      const started = yield* client.act("echo", "start")
      expect(started.state).toBe("ready")
      expect(started.pid).not.toBe(restarted.pid)
      // Starting a running module is a no-op.
      expect((yield* client.act("echo", "start")).pid).toBe(started.pid)

      const facts = yield* client.facts("echo")
      expect(facts.facts.every((fact) => fact.executor_id === "echo")).toBe(true)
      expect(facts.facts.map((fact) => fact.to)).toContain("stopped")
      expect((yield* client.facts()).facts.some((fact) => fact.executor_id === "other")).toBe(true)
      expect((yield* client.traces("order_none")).traces).toEqual([])
    }).pipe(withHttp, quiet), 30_000)

  it.scopedLive("answers 404 with the known ids for an unknown module, and 400/404 for bad requests", () =>
    Effect.gen(function*() {
      const node = yield* startNode([fixtureEntry("echo", "ok")])
      const server = yield* serve(node)

      const missing = yield* raw("GET", `${server.url}/v1/modules/nope`)
      expect(missing.status).toBe(404)
      expect(missing.body).toMatchObject({ _tag: "UnknownModule", known: ["echo"] })
      expect(JSON.stringify(missing.body)).toContain("GET /v1/modules")

      const restartMissing = yield* raw("POST", `${server.url}/v1/modules/nope/restart`)
      expect(restartMissing.status).toBe(404)
      expect(restartMissing.body).toMatchObject({ _tag: "UnknownModule", known: ["echo"] })

      const factsMissing = yield* raw("GET", `${server.url}/v1/facts?module=nope`)
      expect(factsMissing.status).toBe(404)

      const badAction = yield* raw("POST", `${server.url}/v1/modules/echo/explode`)
      expect(badAction.status).toBe(400)
      expect(badAction.body).toMatchObject({ _tag: "HttpApiDecodeError" })

      const badLimit = yield* raw("GET", `${server.url}/v1/traces?limit=zero`)
      expect(badLimit.status).toBe(400)

      const noRoute = yield* raw("GET", `${server.url}/v2/everything`)
      expect(noRoute.status).toBe(404)
      expect(noRoute.body).toMatchObject({ _tag: "NoSuchRoute" })
      expect(JSON.stringify(noRoute.body)).toContain("GET /v1/modules")

      // A bad request changed nothing.
      expect((yield* node.supervisor.inspect("echo")).state).toBe("ready")
    }).pipe(withHttp, quiet), 30_000)

  it.scopedLive("answers while the layers above supervision are still building", () =>
    Effect.gen(function*() {
      const node = yield* startNode([fixtureEntry("echo", "ok")])
      const dir = yield* tempDir
      const services = Layer.mergeAll(
        Layer.succeed(Supervisor, node.supervisor),
        Layer.succeed(LifecycleLog, node.log),
        TraceStore.layer
      )
      // `above` stands for offer publication waiting on modules: it never finishes building.
      const above = Layer.effectDiscard(Effect.never)
      const layer = OperatorApi.withOperatorApi(
        { operator: { listen: { host: "127.0.0.1", port: 0 } }, dataDir: dir },
        services,
        above
      )
      // The bound URL is only in the log while the layer is still building: wait for that line.
      const listening = yield* Deferred.make<string>()
      const logger = Logger.make(({ message }) => {
        const text = (Array.isArray(message) ? message : [message]).map(String).join(" ")
        const url = /operator API listening on (http:\/\/\S+)/.exec(text)?.[1]
        if (url !== undefined) Deferred.unsafeDone(listening, Exit.succeed(url))
      })
      yield* Effect.forkScoped(
        Effect.scoped(Layer.build(layer)).pipe(Effect.provide(Logger.replace(Logger.defaultLogger, logger)))
      )
      const url = yield* Deferred.await(listening).pipe(Effect.timeout("10 seconds"))
      const token = yield* OperatorToken.read(dir)
      const client = yield* makeOperatorClient(url, token.value)
      expect((yield* client.list).map((status) => status.state)).toEqual(["ready"])
    }).pipe(withHttp, Effect.provide(NodeContext.layer)), 30_000)
})

describe("operator config", () => {
  const decode = Schema.decodeUnknownEither(OperatorConfig)

  it("is disabled unless listen is set, and takes loopback host:port (port 0 picks)", () => {
    expect(decode({})).toEqual(Either.right({}))
    expect(decode({ listen: "127.0.0.1:7070" })).toEqual(Either.right({ listen: { host: "127.0.0.1", port: 7070 } }))
    expect(decode({ listen: "localhost:0" })).toEqual(Either.right({ listen: { host: "localhost", port: 0 } }))
    expect(decode({ listen: "[::1]:7070" })).toEqual(Either.right({ listen: { host: "::1", port: 7070 } }))
  })

  it("refuses a host that is not loopback, naming the fix", () => {
    for (const listen of ["0.0.0.0:7070", "192.168.1.5:7070", "example.com:7070", "[::]:7070"]) {
      const result = decode({ listen })
      expect(Either.isLeft(result)).toBe(true)
      if (Either.isLeft(result)) {
        expect(result.left.message).toContain("not a loopback address")
        expect(result.left.message).toContain("127.0.0.1:7070")
      }
    }
  })

  it("refuses malformed addresses and ports out of range", () => {
    for (const listen of ["7070", "127.0.0.1", "127.0.0.1:70000", "127.0.0.1:-1", ""]) {
      expect(Either.isLeft(decode({ listen }))).toBe(true)
    }
  })
})
