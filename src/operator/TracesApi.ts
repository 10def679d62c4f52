/**
 * The `traces` group of the operator API: chain traces, recent ones or those of one correlation id.
 */
import { HttpApiEndpoint, HttpApiGroup } from "@effect/platform"
import { Schema } from "effect"
import { ChainTrace } from "../middleware/ChainTrace.js"

/** `GET /v1/traces`. */
export const TraceList = Schema.Struct({ traces: Schema.Array(ChainTrace) }).annotations({ identifier: "TraceList" })

/** `?correlation_id=<id>` or `?limit=<1..1000>` (the most recent, 50 by default). */
export const TracesQuery = Schema.Struct({
  correlation_id: Schema.optional(Schema.NonEmptyString),
  limit: Schema.optional(Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, 1_000)))
})

/** The group: `list`. */
export class TracesApi extends HttpApiGroup.make("traces")
  .add(HttpApiEndpoint.get("list", "/v1/traces").setUrlParams(TracesQuery).addSuccess(TraceList))
{}
