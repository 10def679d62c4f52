/**
 * The operator API's server: binds its loopback socket, guards every request (Host, Origin, body,
 * then the bearer token the API definition requires) and serves `OperatorHttpApi` over the
 * Supervisor, the LifecycleLog and the TraceStore.
 */
import { HttpApiBuilder, type HttpApp, HttpServer, type HttpServerError } from "@effect/platform"
import { NodeFileSystem, NodeHttpServer, NodePath } from "@effect/platform-node"
import { Cause, Context, type Duration, Effect, Layer, Option, Schema } from "effect"
import * as DrainingHttpServer from "../http/DrainingHttpServer.js"
import type { TraceStore } from "../middleware/TraceStore.js"
import type { LifecycleLog } from "../supervisor/LifecycleLog.js"
import type { Supervisor } from "../supervisor/Supervisor.js"
import type { ScheduleEntry } from "../config/ScheduleConfig.js"
import * as RunManager from "../workflow/RunManager.js"
import * as ScheduleStore from "../workflow/ScheduleStore.js"
import * as Schedules from "../workflow/Schedules.js"
import { bodyGuard } from "./BodyGuard.js"
import * as ConsoleRoutes from "./ConsoleRoutes.js"
import * as OrderDesk from "./OrderDesk.js"
import * as FactsHandlers from "./FactsHandlers.js"
import * as LogsHandlers from "./LogsHandlers.js"
import { hostGuard } from "./HostGuard.js"
import * as MetricsHandlers from "./MetricsHandlers.js"
import * as ReloadHandlers from "./ReloadHandlers.js"
import * as ModulesHandlers from "./ModulesHandlers.js"
import { baseUrl, type ListenAddress, type OperatorConfig } from "./OperatorConfig.js"
import { guardResponse, NoSuchRoute, ROUTES } from "./OperatorErrors.js"
import { OperatorHttpApi } from "./OperatorHttpApi.js"
import * as OperatorToken from "./OperatorToken.js"
import { originGuard } from "./OriginGuard.js"
import * as TokenAuth from "./TokenAuth.js"
import * as WorkGate from "./WorkGate.js"
import * as TracesHandlers from "./TracesHandlers.js"
import * as OrdersHandlers from "./OrdersHandlers.js"
import * as WorkHandlers from "./WorkHandlers.js"

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
  NodeHttpServer.layer(() => DrainingHttpServer.make(), { host: listen.host, port: listen.port }).pipe(
    Layer.mapError(listenFailed(listen))
  )

// The platform router's miss (`HttpServerError.RouteNotFound`).
const isRouteNotFound = (failure: unknown): failure is HttpServerError.RouteNotFound =>
  typeof failure === "object" && failure !== null && "_tag" in failure && failure._tag === "RouteNotFound"

// The router's own miss is not an API error: answer it in the API's error shape too.
const routeNotFoundAsJson = <E, R>(app: HttpApp.Default<E, R>): HttpApp.Default<E, R> =>
  Effect.catchAllCause(app, (cause) => {
    const failure: Option.Option<unknown> = Cause.failureOption(cause)
    return Option.isSome(failure) && isRouteNotFound(failure.value)
      ? guardResponse(
        new NoSuchRoute({
          message: `no route ${failure.value.request.method} ${failure.value.request.url}. The API takes: ${ROUTES.join("; ")}`
        })
      )
      : Effect.failCause(cause)
  })

/** The API with its handlers and the token check. */
const apiLayer = (actionTimeout: Duration.DurationInput | undefined) =>
  HttpApiBuilder.api(OperatorHttpApi).pipe(
    Layer.provide([
      ModulesHandlers.layer(actionTimeout),
      FactsHandlers.layer,
      TracesHandlers.layer,
      LogsHandlers.layer,
      WorkHandlers.layer.pipe(Layer.provide([NodeFileSystem.layer, NodePath.layer])),
      OrdersHandlers.layer,
      MetricsHandlers.layer,
      ReloadHandlers.layer,
      TokenAuth.layer
    ])
  )

/** What serving needs: the bound socket, the token, and the services the API reads. */
export type ServeRequirements =
  | HttpServer.HttpServer
  | OperatorToken.OperatorToken
  | Supervisor
  | LifecycleLog
  | TraceStore

/** Serves the operator API on an already bound server, for the lifetime of the layer's scope. */
export const serveLayer = (settings: OperatorSettings): Layer.Layer<OperatorServer, never, ServeRequirements> =>
  Layer.scoped(
    OperatorServer,
    Effect.gen(function*() {
      const app = yield* HttpApiBuilder.httpApp
      const server = yield* HttpServer.HttpServer
      // Outermost first: Host, then Origin, then the body; the token is checked by the API itself.
      const withConsole = yield* ConsoleRoutes.middleware
      yield* server.serve(withConsole(routeNotFoundAsJson(app)).pipe(bodyGuard, originGuard, hostGuard))
      const bound = server.address
      const address = bound._tag === "TcpAddress" ? { host: bound.hostname, port: bound.port } : settings.listen
      const url = baseUrl(address)
      yield* Effect.logInfo(`operator API listening on ${url}`)
      return OperatorServer.of({ address, url })
    })
  ).pipe(
    Layer.provide(apiLayer(settings.actionTimeout)),
    Layer.provide([HttpApiBuilder.Router.Live, HttpApiBuilder.Middleware.layer, NodeHttpServer.layerContext])
  )

/** Serves the operator API on `settings.listen` for the lifetime of the layer's scope. */
export const layer = (
  settings: OperatorSettings
): Layer.Layer<OperatorServer, OperatorListenFailed, Exclude<ServeRequirements, HttpServer.HttpServer>> =>
  serveLayer(settings).pipe(Layer.provide(listenLayer(settings.listen)))

/** What `withOperatorApi` takes from the node config. */
export interface OperatorApiConfig {
  /** The `operator` section; the API is off unless it sets `listen`. */
  readonly operator: OperatorConfig | undefined
  /** The node's data_dir, where the token file lives. */
  readonly dataDir: string
  readonly actionTimeout?: Duration.DurationInput
}

/**
 * `node` and `above` with the operator API beside `above` when the config sets `listen`. The socket
 * is bound and the token made before `node` is built (a taken port fails the start before any
 * module is spawned); the API serves as soon as `node` (supervision and the trace store) is built,
 * while `above` (layers that may wait for modules, such as offer publication) is still building.
 */
export const withOperatorApi = <ROut, E, RIn, AOut, AE, ARIn>(
  config: OperatorApiConfig,
  node: Layer.Layer<ROut, E, RIn>,
  above: Layer.Layer<AOut, AE, ARIn>
): Layer.Layer<
  ROut | AOut,
  E | AE | OperatorListenFailed | OperatorToken.OperatorTokenUnavailable,
  RIn | Exclude<ARIn | Supervisor | LifecycleLog | TraceStore, ROut>
> => {
  const listen = config.operator?.listen
  if (listen === undefined) return above.pipe(Layer.provideMerge(node))
  const settings: OperatorSettings = config.actionTimeout === undefined ? { listen } : { listen, actionTimeout: config.actionTimeout }
  // The work gate is shared: the API reads it, the layers above open it once they are built.
  const first = Layer.mergeAll(
    listenLayer(listen),
    OperatorToken.layer(config.dataDir).pipe(Layer.provide([NodeFileSystem.layer, NodePath.layer])),
    WorkGate.layer
  )
  return Layer.merge(above, serveLayer(settings)).pipe(Layer.provideMerge(node), Layer.provide(first))
}

/** What the work layers take from the node config. */
export interface WorkConfig extends OperatorApiConfig {
  /** The `schedules` section. */
  readonly schedules: ReadonlyArray<ScheduleEntry>
}

/**
 * `withOperatorApi` with the work API's services above the node: the RunManager (runs in the
 * node's scope), the schedules, the order desk (the reference one over Procurement) and the
 * idempotency keys, over `store` (the node's SQL store); the gate opens once they are built.
 */
export const withWorkApi = <ROut, E, RIn, AOut, AE, ARIn, SOut, SE, SRIn>(
  config: WorkConfig,
  node: Layer.Layer<ROut, E, RIn>,
  above: Layer.Layer<AOut, AE, ARIn>,
  store: Layer.Layer<SOut, SE, SRIn>
) => {
  const work = WorkGate.layerOpen.pipe(
    Layer.provideMerge(Schedules.layer(config.schedules)),
    Layer.provideMerge(Layer.mergeAll(RunManager.layer, OrderDesk.layer, ScheduleStore.layerSql)),
    Layer.provideMerge(Layer.merge(above, store)),
    Layer.provide([NodeFileSystem.layer, NodePath.layer])
  )
  return withOperatorApi(config, node, work)
}
