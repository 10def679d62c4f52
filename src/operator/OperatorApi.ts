/**
 * The operator API: JSON over loopback HTTP, so an operator can see and control a running
 * `orbiplex start` from outside. It reads and drives the Supervisor, the LifecycleLog and the
 * TraceStore; it binds loopback only (OperatorConfig refuses anything else) because it has no
 * authentication.
 */
import { HttpRouter, HttpServer, type HttpServerError, HttpServerResponse } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Context, DateTime, Duration, Effect, Layer, ParseResult, Schema } from "effect"
import * as Http from "node:http"
import { LifecycleFact } from "../contract/LifecycleFact.js"
import { ModuleStatus } from "../contract/ModuleStatus.js"
import { ChainTrace } from "../middleware/ChainTrace.js"
import { TraceStore } from "../middleware/TraceStore.js"
import { LifecycleLog } from "../supervisor/LifecycleLog.js"
import { isServing, Supervisor } from "../supervisor/Supervisor.js"
import type { UnknownModule } from "../supervisor/SupervisorError.js"
import { baseUrl, type ListenAddress, type OperatorConfig } from "./OperatorConfig.js"

/** How the operator API is served. */
export interface OperatorSettings {
  /** A loopback address (decoded by `ListenAddress`); port 0 picks a free port. */
  readonly listen: ListenAddress
  /** How long `start` / `restart` wait for the module to serve or fail before answering; 30 s by default. */
  readonly actionTimeout?: Duration.DurationInput
}

/** The running operator API: the address it actually bound (the real port when 0 was asked). */
export class OperatorServer extends Context.Tag("orbiplex/OperatorServer")<OperatorServer, {
  readonly address: ListenAddress
  /** `http://host:port`, for clients. */
  readonly url: string
}>() {}

/** The error body every non-2xx answer carries. */
export const OperatorErrorBody = Schema.Struct({
  error: Schema.String,
  message: Schema.String,
  known: Schema.optionalWith(Schema.Array(Schema.String), { exact: true })
}).annotations({ identifier: "OperatorErrorBody" })
/** The error body every non-2xx answer carries. */
export type OperatorErrorBody = typeof OperatorErrorBody.Type

/** `GET /v1/modules/:id`: the status and the module's lifecycle facts, oldest first. */
export const ModuleDetail = Schema.Struct({
  status: ModuleStatus,
  facts: Schema.Array(LifecycleFact)
}).annotations({ identifier: "ModuleDetail" })
/** A module's status and facts. */
export type ModuleDetail = typeof ModuleDetail.Type

/** `GET /v1/modules` and every action's answer body. */
export const ModuleList = Schema.Struct({ modules: Schema.Array(ModuleStatus) })
/** `GET /v1/facts`. */
export const FactList = Schema.Struct({ facts: Schema.Array(LifecycleFact) })
/** `GET /v1/traces`. */
export const TraceList = Schema.Struct({ traces: Schema.Array(ChainTrace) })

/** The actions `POST /v1/modules/:id/<action>` takes. */
export const ModuleAction = Schema.Literal("start", "stop", "restart")
/** A module action. */
export type ModuleAction = typeof ModuleAction.Type

const ModulePath = Schema.Struct({ id: Schema.NonEmptyString })
const ActionPath = Schema.Struct({ id: Schema.NonEmptyString, action: ModuleAction })
const FactsQuery = Schema.Struct({ module: Schema.optional(Schema.NonEmptyString) })
const TracesQuery = Schema.Struct({
  correlation_id: Schema.optional(Schema.NonEmptyString),
  limit: Schema.optional(Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, 1_000)))
})

const ROUTES = [
  "GET /v1/modules",
  "GET /v1/modules/:id",
  "POST /v1/modules/:id/start|stop|restart",
  "GET /v1/facts?module=<id>",
  "GET /v1/traces?correlation_id=<id>&limit=<n>"
]

const errorResponse = (status: number, body: OperatorErrorBody) =>
  HttpServerResponse.unsafeJson(Schema.encodeSync(OperatorErrorBody)(body), { status })

const unknownModule = (error: UnknownModule) =>
  errorResponse(404, {
    error: "UnknownModule",
    message: `${error.message}. List them with GET /v1/modules or \`orbiplex status\`.`,
    known: error.known
  })

const badRequest = (where: string, error: ParseResult.ParseError) =>
  errorResponse(400, {
    error: "BadRequest",
    message: `${where}: ${ParseResult.TreeFormatter.formatErrorSync(error)}. The API takes: ${ROUTES.join("; ")}.`
  })

/** Encodes `value` as the JSON body; encoding our own values cannot fail short of a bug. */
const json = <A, I>(schema: Schema.Schema<A, I>, value: A) =>
  HttpServerResponse.schemaJson(schema)(value).pipe(Effect.orDie)

/** Builds the HTTP app over the given services (so its handlers need nothing else). */
export const makeApp = (
  supervisor: Supervisor["Type"],
  log: LifecycleLog["Type"],
  traces: TraceStore["Type"],
  actionTimeout: Duration.DurationInput = Duration.seconds(30)
) => {
  const statuses = Effect.map(supervisor.list, (modules) => ({ modules }))

  // Waits for the run an action began: a status that serves or failed, set after the action began.
  const awaitSettled = (id: string, startedAt: string) =>
    supervisor.awaitStatus(id, (status) =>
      (isServing(status.state) || status.state === "failed") && status.since >= startedAt
    ).pipe(
      Effect.timeoutTo({ duration: actionTimeout, onTimeout: () => supervisor.inspect(id), onSuccess: Effect.succeed }),
      Effect.flatten
    )

  const act = Effect.fn("OperatorApi.act")(function*(id: string, action: ModuleAction) {
    const before = yield* supervisor.inspect(id)
    const startedAt = DateTime.formatIso(yield* DateTime.now)
    if (action === "stop") {
      yield* supervisor.stop(id)
      return yield* supervisor.inspect(id)
    }
    if (action === "start" && isServing(before.state)) return before
    yield* action === "start" ? supervisor.start(id) : supervisor.restart(id)
    return yield* awaitSettled(id, startedAt)
  })

  return HttpRouter.empty.pipe(
    HttpRouter.get("/v1/modules", Effect.flatMap(statuses, (body) => json(ModuleList, body))),
    HttpRouter.get(
      "/v1/modules/:id",
      Effect.gen(function*() {
        const { id } = yield* HttpRouter.schemaPathParams(ModulePath)
        const status = yield* supervisor.inspect(id)
        const facts = yield* log.history(id)
        return yield* json(ModuleDetail, { status, facts })
      }).pipe(
        Effect.catchTags({
          ParseError: (error) => Effect.succeed(badRequest("GET /v1/modules/:id", error)),
          UnknownModule: (error) => Effect.succeed(unknownModule(error))
        })
      )
    ),
    HttpRouter.post(
      "/v1/modules/:id/:action",
      Effect.gen(function*() {
        const { action, id } = yield* HttpRouter.schemaPathParams(ActionPath)
        const status = yield* act(id, action)
        return yield* json(ModuleStatus, status)
      }).pipe(
        Effect.catchTags({
          ParseError: (error) => Effect.succeed(badRequest("POST /v1/modules/:id/:action", error)),
          UnknownModule: (error) => Effect.succeed(unknownModule(error))
        })
      )
    ),
    HttpRouter.get(
      "/v1/facts",
      Effect.gen(function*() {
        const { module } = yield* HttpRouter.schemaParams(FactsQuery)
        // An unknown id is an operator's typo: answer 404 with the known ids, not an empty list.
        if (module !== undefined) yield* supervisor.inspect(module)
        const facts = yield* log.history(module)
        return yield* json(FactList, { facts })
      }).pipe(
        Effect.catchTags({
          ParseError: (error) => Effect.succeed(badRequest("GET /v1/facts", error)),
          UnknownModule: (error) => Effect.succeed(unknownModule(error))
        })
      )
    ),
    HttpRouter.get(
      "/v1/traces",
      Effect.gen(function*() {
        const query = yield* HttpRouter.schemaParams(TracesQuery)
        const found = query.correlation_id === undefined
          ? yield* traces.recent(query.limit ?? 50)
          : yield* traces.byCorrelation(query.correlation_id)
        return yield* json(TraceList, { traces: found })
      }).pipe(
        Effect.catchTag("ParseError", (error) => Effect.succeed(badRequest("GET /v1/traces", error)))
      )
    ),
    // The router's own miss is not a route error: catch it on the app so it is JSON too.
    Effect.catchTag("RouteNotFound", (error) =>
      Effect.succeed(errorResponse(404, {
        error: "RouteNotFound",
        message: `no route ${error.request.method} ${error.request.url}. The API takes: ${ROUTES.join("; ")}.`
      })))
  )
}

/** The operator API could not listen (most often: the port is taken by another node). */
export class OperatorListenFailed extends Schema.TaggedError<OperatorListenFailed>()("OperatorListenFailed", {
  address: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `cannot serve the operator API on ${this.address}: ${this.reason}. Another node may be running: ` +
      `stop it, or set "operator": {"listen": "127.0.0.1:<free port>"} (port 0 picks one)`
  }
}

const listenFailed = (listen: ListenAddress) => (error: HttpServerError.ServeError) =>
  new OperatorListenFailed({
    address: baseUrl(listen),
    reason: error.cause instanceof Error ? error.cause.message : String(error.cause)
  })

/** Binds the operator API's loopback socket (before anything is served on it). */
export const listenLayer = (listen: ListenAddress): Layer.Layer<HttpServer.HttpServer, OperatorListenFailed> =>
  NodeHttpServer.layer(() => Http.createServer(), { host: listen.host, port: listen.port }).pipe(
    Layer.mapError(listenFailed(listen))
  )

/** Serves the operator API on an already bound server, for the lifetime of the layer's scope. */
export const serveLayer = (
  settings: OperatorSettings
): Layer.Layer<OperatorServer, never, HttpServer.HttpServer | Supervisor | LifecycleLog | TraceStore> =>
  Layer.scoped(
    OperatorServer,
    Effect.gen(function*() {
      const app = makeApp(yield* Supervisor, yield* LifecycleLog, yield* TraceStore, settings.actionTimeout)
      const server = yield* HttpServer.HttpServer
      yield* server.serve(app)
      const bound = server.address
      const address = bound._tag === "TcpAddress" ? { host: bound.hostname, port: bound.port } : settings.listen
      const url = baseUrl(address)
      yield* Effect.logInfo(`operator API listening on ${url}`)
      return OperatorServer.of({ address, url })
    })
  )

/** Serves the operator API on `settings.listen` for the lifetime of the layer's scope. */
export const layer = (
  settings: OperatorSettings
): Layer.Layer<OperatorServer, OperatorListenFailed, Supervisor | LifecycleLog | TraceStore> =>
  serveLayer(settings).pipe(Layer.provide(listenLayer(settings.listen)))

/**
 * `node` with the operator API on top when the config sets `listen` (off by default). The socket is
 * bound before `node` is built, so a taken port fails the start before any module is spawned.
 */
export const withOperatorApi = <ROut, E, RIn>(
  config: OperatorConfig | undefined,
  node: Layer.Layer<ROut, E, RIn>
): Layer.Layer<ROut, E | OperatorListenFailed, RIn | Exclude<Supervisor | LifecycleLog | TraceStore, ROut>> =>
  config?.listen === undefined
    ? node
    : serveLayer({ listen: config.listen }).pipe(
      Layer.provideMerge(node),
      Layer.provide(listenLayer(config.listen))
    )

/** The operator API when the config sets `listen`; nothing otherwise (the API is off by default). */
export const layerConfig = (
  config: OperatorConfig | undefined
): Layer.Layer<never, OperatorListenFailed, Supervisor | LifecycleLog | TraceStore> =>
  config?.listen === undefined ? Layer.empty : Layer.discard(layer({ listen: config.listen }))
