/**
 * The error body modules and providers answer with (CONTRACTS §3.3).
 */
import { Schema } from "effect"

/** The codes a module or provider may report. */
export const ErrorCode = Schema.Literal("TYPE_ERROR", "RUNTIME_ERROR", "TIMEOUT", "INTERNAL_ERROR")
/** A module- or provider-reported error code. */
export type ErrorCode = typeof ErrorCode.Type

/** `{"error":{"code":"...","message":"...","details":{}}}` */
export const ErrorBody = Schema.Struct({
  error: Schema.Struct({
    code: Schema.String,
    message: Schema.String,
    details: Schema.optional(Schema.Unknown)
  })
}).annotations({ identifier: "ErrorBody" })

/** A decoded error body. */
export type ErrorBody = typeof ErrorBody.Type
