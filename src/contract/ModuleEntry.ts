/**
 * The launch contract of one supervised `http_local_json` module (CONTRACTS §1.1), with every
 * default of §1.1 applied on decode.
 */
import { Schema } from "effect"
import { MillisField, PositiveMillisField, PositiveSecondsField } from "./DurationString.js"
import { JsonObject } from "./Json.js"

const PositiveInt = Schema.Int.pipe(Schema.positive())
const NonNegativeInt = Schema.NonNegativeInt

const isLoopbackHost = (host: string): boolean => {
  const bare = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host
  if (bare === "::1") return true
  const octets = bare.split(".")
  return octets.length === 4 && octets[0] === "127" &&
    octets.every((octet) => /^\d{1,3}$/.test(octet) && Number(octet) <= 255)
}

/** An `http://` URL on a loopback address (127.0.0.0/8 or ::1); port 0 lets the module pick. */
export const LoopbackEndpoint = Schema.String.pipe(
  Schema.filter((text) => {
    const url = URL.canParse(text) ? new URL(text) : undefined
    if (url === undefined || url.protocol !== "http:") {
      return `"${text}" is not an http:// URL: write it as "http://127.0.0.1:0"`
    }
    if (!isLoopbackHost(url.hostname)) {
      return `"${url.hostname}" is not a loopback address: modules listen on 127.0.0.0/8 or [::1] only, ` +
        `for example "http://127.0.0.1:0"`
    }
    return true
  })
).annotations({
  identifier: "LoopbackEndpoint",
  // Random strings almost never pass the filter: generate loopback URLs directly (config arbitraries).
  arbitrary: () => (fc) =>
    fc.tuple(fc.constantFrom("127.0.0.1", "127.1.2.3", "[::1]"), fc.integer({ min: 0, max: 65_535 })).map(
      ([host, port]) => `http://${host}:${port}`
    )
})

const UrlPath = Schema.String.pipe(
  Schema.startsWith("/", { message: () => "a URL path starting with \"/\", for example \"/readyz\"" })
)

/**
 * Whether `text` names a program without a PATH lookup: a path, or `$python` / `$node`, which the
 * config loader replaces by the interpreter the build recorded / the host's own Node.js.
 */
export const isExplicitExecutable = (text: string): boolean => text.includes("/") || text === "$python" || text === "$node"

/** How the host starts the child process. */
export class Launch extends Schema.Class<Launch>("Launch")({
  executable: Schema.NonEmptyTrimmedString.pipe(
    Schema.filter((text) =>
      isExplicitExecutable(text) ||
      `"${text}" is a bare command name; the host never searches PATH: write the program's path, ` +
        `for example "/usr/bin/python3" (see \`command -v ${text}\`), or "$python" / "$node"`
    )
  ).annotations({
    description: "the program to run: a path, or \"$python\" / \"$node\" (never a bare command name looked up on PATH)",
    arbitrary: () => (fc) => fc.stringMatching(/^(\/[A-Za-z0-9._-]{1,12}){1,4}$/)
  }),
  args: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [] }),
  cwd: Schema.NonEmptyTrimmedString,
  env: Schema.optionalWith(Schema.Record({ key: Schema.String, value: Schema.String }), { default: () => ({}) })
}) {}

/** The module's HTTP surface and the limits the host applies to it. */
export class HttpSettings extends Schema.Class<HttpSettings>("HttpSettings")({
  endpoint: Schema.optionalWith(LoopbackEndpoint, { default: () => "http://127.0.0.1:0" }),
  ready_path: Schema.optionalWith(UrlPath, { default: () => "/readyz" }),
  health_path: Schema.optionalWith(UrlPath, { default: () => "/healthz" }),
  init_path: Schema.optionalWith(UrlPath, { default: () => "/v1/middleware/init" }),
  invoke_path: Schema.optionalWith(UrlPath, { default: () => "/v1/middleware/invoke" }),
  startup_timeout_ms: Schema.optionalWith(PositiveMillisField, { default: () => 15_000 }),
  request_timeout_ms: Schema.optionalWith(PositiveMillisField, { default: () => 5_000 }),
  max_response_bytes: Schema.optionalWith(PositiveInt, { default: () => 65_536 }),
  max_in_flight: Schema.optionalWith(PositiveInt, { default: () => 32 })
}) {}

/** Delays between restarts. */
export class Backoff extends Schema.Class<Backoff>("Backoff")({
  initial_ms: Schema.optionalWith(MillisField, { default: () => 100 }),
  max_ms: Schema.optionalWith(MillisField, { default: () => 5_000 }),
  factor: Schema.optionalWith(Schema.Number.pipe(Schema.greaterThanOrEqualTo(1)), { default: () => 2 }),
  jitter: Schema.optionalWith(Schema.Boolean, { default: () => true }),
  reset_after_ms: Schema.optionalWith(MillisField, { default: () => 30_000 })
}) {}

/** When and how often a crashed module is started again. */
export class RestartPolicy extends Schema.Class<RestartPolicy>("RestartPolicy")({
  mode: Schema.optionalWith(Schema.Literal("never", "on_failure"), { default: () => "on_failure" as const }),
  max_restarts: Schema.optionalWith(NonNegativeInt, { default: () => 3 }),
  window_sec: Schema.optionalWith(PositiveSecondsField, { default: () => 60 }),
  backoff: Schema.optionalWith(Backoff, { default: () => Backoff.make({}) })
}) {}

/** Periodic health checks: failures mark the module degraded; the threshold restarts it. */
export class HealthSettings extends Schema.Class<HealthSettings>("HealthSettings")({
  interval_ms: Schema.optionalWith(PositiveMillisField, { default: () => 5_000 }),
  failure_threshold: Schema.optionalWith(PositiveInt, { default: () => 3 })
}) {}

/** Bounded teardown: SIGTERM, `grace_ms`, SIGKILL. */
export class StopSettings extends Schema.Class<StopSettings>("StopSettings")({
  grace_ms: Schema.optionalWith(MillisField, { default: () => 3_000 })
}) {}

/** One supervised module as the node config declares it, defaults applied. */
export class ModuleEntry extends Schema.Class<ModuleEntry>("ModuleEntry")({
  id: Schema.String.pipe(
    Schema.pattern(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, {
      message: (issue) =>
        `must be an executor id made of letters, digits, ".", "_" or "-", for example "dator"; got ${JSON.stringify(issue.actual)}`
    })
  ),
  kind: Schema.optionalWith(Schema.Literal("http_local_json"), { default: () => "http_local_json" as const }),
  enabled: Schema.optionalWith(Schema.Boolean, { default: () => true }),
  module_id: Schema.NonEmptyTrimmedString,
  component_id: Schema.NonEmptyTrimmedString,
  launch: Launch,
  http: Schema.optionalWith(HttpSettings, { default: () => HttpSettings.make({}) }),
  restart_policy: Schema.optionalWith(RestartPolicy, { default: () => RestartPolicy.make({}) }),
  health: Schema.optionalWith(HealthSettings, { default: () => HealthSettings.make({}) }),
  stop: Schema.optionalWith(StopSettings, { default: () => StopSettings.make({}) }),
  hooks: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [] }),
  grants: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [] }),
  settings: Schema.optionalWith(JsonObject, {
    default: () => ({})
  }).annotations({ description: "module-specific settings, passed to the module in middleware-init" })
}) {}
