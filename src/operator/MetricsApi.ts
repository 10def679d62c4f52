/**
 * The `metrics` group of the operator API: `GET /metrics` in the Prometheus text format, behind the
 * same guards and bearer token as the rest (Prometheus sends one with `authorization` /
 * `bearer_token_file` in its scrape config).
 */
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema } from "@effect/platform"
import { CONTENT_TYPE } from "../metrics/Prometheus.js"

/** The group: `scrape`. */
export class MetricsApi extends HttpApiGroup.make("metrics")
  .add(HttpApiEndpoint.get("scrape", "/metrics").addSuccess(HttpApiSchema.Text({ contentType: CONTENT_TYPE })))
{}
