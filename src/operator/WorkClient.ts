/**
 * A client of the work and orders groups, derived from `OperatorHttpApi` like `OperatorClient`:
 * every call carries the token and a timeout; a node that is still starting (503) is asked again
 * by a Schedule for a while.
 */
import { HttpApiClient, HttpClient, HttpClientRequest } from "@effect/platform"
import { Duration, Effect, Redacted, Schedule } from "effect"
import { ERROR_STATUS } from "./OperatorErrors.js"
import { OperatorHttpApi } from "./OperatorHttpApi.js"
import { OperatorRequestFailed, OperatorTimedOut, OperatorUnreachable, type OperatorClientError } from "./OperatorClient.js"
import { WORK_ERROR_STATUS } from "./WorkErrors.js"

const STATUS: ReadonlyMap<string, number> = new Map([...Object.entries(ERROR_STATUS), ...Object.entries(WORK_ERROR_STATUS)])

const statusOf = (tag: string): number => STATUS.get(tag) ?? 0

interface Tagged {
  readonly _tag: string
  readonly message: string
}

const classify = (url: string, timeout: Duration.Duration) => (error: Tagged): OperatorClientError => {
  switch (error._tag) {
    case "TimeoutException":
      return new OperatorTimedOut({ url, after: Duration.format(timeout) })
    case "RequestError":
      return new OperatorUnreachable({ url, detail: error.message })
    case "ResponseError":
      return new OperatorRequestFailed({ url, status: 0, error: "UnreadableBody", detail: error.message })
    case "ParseError":
      return new OperatorRequestFailed({ url, status: 0, error: "UnexpectedBody", detail: error.message })
    default:
      return new OperatorRequestFailed({ url, status: statusOf(error._tag), error: error._tag, detail: error.message })
  }
}

/** How long the client waits for a node that answers "still starting" (503) before giving up. */
export const startingRetry = Schedule.spaced(Duration.millis(500)).pipe(Schedule.upTo(Duration.seconds(30)))

const stillStarting = (error: OperatorClientError): boolean =>
  error._tag === "OperatorRequestFailed" && error.error === "WorkUnavailable" && error.detail.includes("still starting")

/** Calls the work API at `base` with `token`; `work` bounds calls that do the work (hook, pipeline, order). */
export const makeWorkClient = (
  base: string,
  token: Redacted.Redacted<string>,
  timeouts: { readonly read?: Duration.DurationInput; readonly work?: Duration.DurationInput } = {}
) =>
  Effect.gen(function*() {
    const client = yield* HttpApiClient.make(OperatorHttpApi, {
      baseUrl: base,
      transformClient: HttpClient.mapRequest(HttpClientRequest.bearerToken(Redacted.value(token)))
    })
    const read = Duration.decode(timeouts.read ?? Duration.seconds(10))
    const work = Duration.decode(timeouts.work ?? Duration.minutes(10))
    const call = (what: string, timeout: Duration.Duration) => <A, E extends Tagged>(effect: Effect.Effect<A, E>) =>
      effect.pipe(
        Effect.timeout(timeout),
        Effect.mapError(classify(`${base}${what}`, timeout)),
        Effect.retry({ schedule: startingRetry, while: stillStarting })
      )
    const key = (idempotencyKey: string | undefined) => idempotencyKey === undefined ? {} : { "idempotency-key": idempotencyKey }
    return {
      /** Runs a hook chain on the node. */
      runHook: (hook: string, body: Parameters<typeof client.work.runHook>[0]["payload"], idempotencyKey?: string) =>
        client.work.runHook({ path: { hook }, payload: body, headers: key(idempotencyKey) }).pipe(call(`/v1/hooks/${hook}/run`, work)),
      /** Runs a pipeline on the node. */
      runPipeline: (name: string, input: Parameters<typeof client.work.runPipeline>[0]["payload"], idempotencyKey?: string) =>
        client.work.runPipeline({ path: { name }, payload: input, headers: key(idempotencyKey) }).pipe(
          call(`/v1/pipelines/${name}/run`, work)
        ),
      /** Starts a workflow run on the node; answers its id. */
      startRun: (body: Parameters<typeof client.work.startRun>[0]["payload"], idempotencyKey?: string) =>
        client.work.startRun({ payload: body, headers: key(idempotencyKey) }).pipe(call("/v1/workflows/runs", read)),
      /** Every run the node has. */
      listRuns: client.work.listRuns().pipe(call("/v1/workflows/runs", read)),
      /** One run with its events. */
      getRun: (id: string) => client.work.getRun({ path: { id } }).pipe(call(`/v1/workflows/runs/${id}`, read)),
      /** Cancels a run the node drives; answers the run after. */
      cancelRun: (id: string) => client.work.cancelRun({ path: { id } }).pipe(call(`/v1/workflows/runs/${id}/cancel`, read)),
      /** The node's schedules with their next firings. */
      listSchedules: client.work.listSchedules().pipe(call("/v1/schedules", read)),
      /** Orders. */
      listOrders: client.orders.list().pipe(call("/v1/orders", read)),
      acceptOrder: (id: string) => client.orders.accept({ path: { id } }).pipe(call(`/v1/orders/${id}/accept`, work)),
      refuseOrder: (id: string, reason?: string) =>
        client.orders.refuse({ path: { id }, payload: reason === undefined ? {} : { reason } }).pipe(call(`/v1/orders/${id}/refuse`, read))
    }
  })

/** A client of the work API. */
export type WorkClient = Effect.Effect.Success<ReturnType<typeof makeWorkClient>>
