/**
 * The `tracing` section of the node config: OpenTelemetry traces, off unless it names an OTLP/HTTP
 * endpoint, e.g. `{"otlp_endpoint": "http://127.0.0.1:4318/v1/traces", "service_name": "node-1"}`.
 */
import { Schema } from "effect"

/** An `http(s)://` URL the OTLP/HTTP exporter posts spans to. */
export const OtlpEndpoint = Schema.String.pipe(
  Schema.pattern(/^https?:\/\/[^\s/]+(\/\S*)?$/, {
    message: () => "otlp_endpoint must be an http(s) URL such as http://127.0.0.1:4318/v1/traces"
  })
)

/** The section; both fields optional, so `{}` (the default) keeps tracing off. */
export class TracingConfig extends Schema.Class<TracingConfig>("TracingConfig")({
  otlp_endpoint: Schema.optional(OtlpEndpoint),
  service_name: Schema.optionalWith(Schema.NonEmptyTrimmedString, { default: () => "orbiplex-node" })
}) {}
