/**
 * Bounds what a request body may be before any handler sees it: 413 above `MAX_BODY_BYTES`
 * (refused on its Content-Length without reading it; a chunked body without one is cut at the
 * limit and its connection closed), 415 when it is not `application/json`, 400 when it is not JSON.
 */
import { HttpIncomingMessage, HttpMiddleware, HttpServerRequest } from "@effect/platform"
import { Effect, Option, Schema } from "effect"
import { guardResponse, MalformedJson, PayloadTooLarge, UnsupportedMediaType } from "./OperatorErrors.js"

/** The largest body the operator API reads: 64 KiB. */
export const MAX_BODY_BYTES = 64 * 1024

const decodeJson = Schema.decodeUnknown(Schema.parseJson())

const tooLarge = () =>
  guardResponse(
    new PayloadTooLarge({
      limit_bytes: MAX_BODY_BYTES,
      message: `the body is larger than ${MAX_BODY_BYTES} bytes (64 KiB), the most the operator API reads`
    })
  )

/** The guard. */
export const bodyGuard = HttpMiddleware.make((app) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const lengthHeader = request.headers["content-length"]
    const length = lengthHeader === undefined ? undefined : Number(lengthHeader)
    const chunked = request.headers["transfer-encoding"] !== undefined
    if (!chunked && (length === undefined || length === 0)) return yield* app
    if (length !== undefined && !(length <= MAX_BODY_BYTES)) return yield* tooLarge()
    const mediaType = (request.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase()
    if (mediaType !== "application/json") {
      return yield* guardResponse(
        new UnsupportedMediaType({
          message: `a body of type ${JSON.stringify(mediaType ?? "")} is refused: send JSON with "Content-Type: application/json"`
        })
      )
    }
    // The text is cached on the request, so the handler that decodes it later reads no more.
    const text = yield* request.text.pipe(
      HttpIncomingMessage.withMaxBodySize(Option.some(MAX_BODY_BYTES)),
      Effect.either
    )
    // Past the limit the platform has already closed the connection; the answer is for the log.
    if (text._tag === "Left") {
      return yield* (length === undefined
        ? tooLarge()
        : guardResponse(new MalformedJson({ message: `the body could not be read: ${text.left.message}` })))
    }
    const parsed = yield* Effect.either(decodeJson(text.right))
    if (parsed._tag === "Left") {
      return yield* guardResponse(new MalformedJson({ message: `the body is not JSON: ${parsed.left.message}` }))
    }
    return yield* app
  })
)
