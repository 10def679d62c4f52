/**
 * The errors the operator API answers with, one schema each, so the server encodes and the client
 * decodes the same body: `{"_tag": ..., "message": ..., ...}` with the status each one carries.
 */
import { HttpApiSchema, HttpServerResponse } from "@effect/platform"
import { Effect, Schema } from "effect"

/** The status each error answers with, by tag (the platform's decode error of paths and queries included). */
export const ERROR_STATUS = {
  UnknownModule: 404,
  Unauthorized: 401,
  Forbidden: 403,
  PayloadTooLarge: 413,
  UnsupportedMediaType: 415,
  MalformedJson: 400,
  NoSuchRoute: 404,
  HttpApiDecodeError: 400
} as const

/** 404: the path names a module the node does not have. */
export class ModuleNotFound extends Schema.TaggedError<ModuleNotFound>()(
  "UnknownModule",
  { executor_id: Schema.String, known: Schema.Array(Schema.String), message: Schema.String },
  HttpApiSchema.annotations({ status: ERROR_STATUS.UnknownModule })
) {}

/** 401: no bearer token, or not this node's. */
export class Unauthorized extends Schema.TaggedError<Unauthorized>()(
  "Unauthorized",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: ERROR_STATUS.Unauthorized })
) {}

/** 403: a Host that is not loopback, or a cross-origin Origin (DNS rebinding, CSRF). */
export class Forbidden extends Schema.TaggedError<Forbidden>()(
  "Forbidden",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: ERROR_STATUS.Forbidden })
) {}

/** 413: a body above the limit, refused before it is read. */
export class PayloadTooLarge extends Schema.TaggedError<PayloadTooLarge>()(
  "PayloadTooLarge",
  { limit_bytes: Schema.Int, message: Schema.String },
  HttpApiSchema.annotations({ status: ERROR_STATUS.PayloadTooLarge })
) {}

/** 415: a body that is not `application/json`. */
export class UnsupportedMediaType extends Schema.TaggedError<UnsupportedMediaType>()(
  "UnsupportedMediaType",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: ERROR_STATUS.UnsupportedMediaType })
) {}

/** 400: a body that is not JSON. */
export class MalformedJson extends Schema.TaggedError<MalformedJson>()(
  "MalformedJson",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: ERROR_STATUS.MalformedJson })
) {}

/** 404: no route of the API matches the method and path. */
export class NoSuchRoute extends Schema.TaggedError<NoSuchRoute>()(
  "NoSuchRoute",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: ERROR_STATUS.NoSuchRoute })
) {}

/** The routes the API takes, for error messages that say what to send instead. */
export const ROUTES: ReadonlyArray<string> = [
  "GET /v1/modules",
  "GET /v1/modules/:id",
  "POST /v1/modules/:id/start|stop|restart",
  "GET /v1/facts?module=<id>",
  "GET /v1/traces?correlation_id=<id>&limit=<n>",
  "POST /v1/hooks/:hook/run",
  "POST /v1/pipelines/:name/run",
  "GET|POST /v1/workflows/runs",
  "GET /v1/workflows/runs/:id",
  "POST /v1/workflows/runs/:id/cancel",
  "GET /v1/schedules",
  "GET|POST /v1/orders",
  "POST /v1/orders/:id/accept|refuse"
]

/** The errors guards answer with before a request reaches the API. */
export type GuardError = Forbidden | PayloadTooLarge | UnsupportedMediaType | MalformedJson | NoSuchRoute

const GuardError = Schema.Union(Forbidden, PayloadTooLarge, UnsupportedMediaType, MalformedJson, NoSuchRoute)

/**
 * The response a guard answers with: the error's JSON body and status. `Connection: close`, so a
 * client still sending a body it was refused for is not read further.
 */
export const guardResponse = (error: GuardError): Effect.Effect<HttpServerResponse.HttpServerResponse> =>
  HttpServerResponse.schemaJson(GuardError)(error, { status: ERROR_STATUS[error._tag], headers: { connection: "close" } }).pipe(
    // Encoding our own error values cannot fail short of a bug.
    Effect.orDie
  )
