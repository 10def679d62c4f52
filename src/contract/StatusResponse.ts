/**
 * `middleware-status-response.v1`: what `GET /healthz` answers (CONTRACTS §1.3).
 */
import { Schema } from "effect"

/** Health as the module sees itself; extra fields are kept for operators. */
export const StatusResponse = Schema.Struct(
  {
    schema_version: Schema.optional(Schema.Literal("middleware-status-response.v1")),
    status: Schema.Literal("ok", "degraded")
  },
  Schema.Record({ key: Schema.String, value: Schema.Unknown })
).annotations({ identifier: "StatusResponse" })

/** The decoded health answer. */
export type StatusResponse = typeof StatusResponse.Type
