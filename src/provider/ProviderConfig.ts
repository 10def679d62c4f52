/**
 * The `providers` section of the node config (CONTRACTS §3.1): static, explicit entries with their
 * URL, per-call timeout, health URL, typed input and output, optional default call options (`with`)
 * and, optionally, a `launch` block that makes the host supervise the provider process as well.
 */
import { Path } from "@effect/platform"
import { Effect, Either, Option, ParseResult, Schema } from "effect"
import { DurationMillis, formatMillis } from "../contract/DurationString.js"
import { HealthSettings, isExplicitExecutable, Launch, RestartPolicy, StopSettings } from "../contract/ModuleEntry.js"
import { Problem, problemsOf } from "../contract/Problems.js"
import { needsPython, recordedPython, resolveExecutable } from "../config/LaunchExecutable.js"
import { CallOptions } from "../resilience/CallOptions.js"
import type { RecordType } from "../typelang/TypeLanguage.js"
import { describe } from "../typelang/TypeLanguage.js"
import { diff, formatMismatches, RecordTypeSchema } from "../typelang/TypeCheck.js"

const HttpUrl = Schema.String.pipe(
  Schema.filter((text) => {
    const url = URL.canParse(text) ? new URL(text) : undefined
    return url !== undefined && (url.protocol === "http:" || url.protocol === "https:")
      ? true
      : `"${text}" is not an http:// or https:// URL: write it in full, for example "http://127.0.0.1:8080/invoke"`
  })
).annotations({ identifier: "HttpUrl" })

const PositiveDuration = DurationMillis.pipe(Schema.filter((ms) => ms > 0 || "must be longer than 0ms"))

/**
 * How the host starts a supervised provider (the §1.1 launch block). `executable` is a path, or
 * `$python` (the interpreter `npm run build` recorded) or `$node` (the Node.js running the host):
 * never a name looked up on PATH.
 */
export class ProviderLaunch extends Schema.Class<ProviderLaunch>("ProviderLaunch")({
  executable: Schema.NonEmptyTrimmedString.pipe(
    Schema.filter((text) =>
      isExplicitExecutable(text) ||
      `"${text}" is a bare command name; the host never searches PATH: write the program's path, or "$python" / "$node"`
    )
  ),
  args: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [] }),
  cwd: Schema.NonEmptyTrimmedString,
  env: Schema.optionalWith(Schema.Record({ key: Schema.String, value: Schema.String }), { default: () => ({}) })
}) {}

const decodeCallOptions = Schema.decodeUnknownEither(CallOptions, { errors: "all" })

/** Default call options of a provider: a JSON object of `with` options, checked when the config loads. */
export const ProviderCallOptions = Schema.Record({ key: Schema.String, value: Schema.Unknown }).pipe(
  Schema.filter((options) =>
    Either.match(decodeCallOptions(options), {
      onLeft: (error) => problemsOf(error).map((p) => `${p.path}: ${p.message}`).join("; "),
      onRight: () => true
    })
  )
).annotations({ identifier: "ProviderCallOptions", description: "call options such as { \"retry\": 2 }" })

/** One provider, defaults applied. */
export class ProviderEntry extends Schema.Class<ProviderEntry>("ProviderEntry")({
  name: Schema.String.pipe(
    Schema.pattern(/^[A-Za-z][A-Za-z0-9_.-]*$/, {
      message: (issue) => `must be a module name made of letters, digits, ".", "_" or "-", for example "Sentiment"; got ${JSON.stringify(issue.actual)}`
    })
  ),
  url: HttpUrl,
  /** Limit of each attempt unless a call's `with.timeout` says otherwise. */
  timeout: Schema.optionalWith(PositiveDuration, { default: () => 30_000 }),
  health_url: Schema.optionalWith(HttpUrl, { exact: true }),
  input_schema: RecordTypeSchema,
  output_schema: RecordTypeSchema,
  /** Default call options for every call of this provider; a step's own `with` overrides them key by key. */
  with: Schema.optionalWith(ProviderCallOptions, { exact: true }),
  /** Whether running a call twice is harmless (retries and caches are linted against it). */
  idempotent: Schema.optionalWith(Schema.Boolean, { default: () => true }),
  /** Whether a failed startup health check stops the node from starting (otherwise it is reported). */
  require_healthy: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  max_response_bytes: Schema.optionalWith(Schema.Int.pipe(Schema.positive()), { default: () => 1_048_576 }),
  launch: Schema.optionalWith(ProviderLaunch, { exact: true }),
  /** Supervised providers only: from spawn to a healthy `health_url`. */
  startup_timeout: Schema.optionalWith(PositiveDuration, { default: () => 15_000 }),
  restart_policy: Schema.optionalWith(RestartPolicy, { default: () => RestartPolicy.make({}) }),
  health: Schema.optionalWith(HealthSettings, { default: () => HealthSettings.make({}) }),
  stop: Schema.optionalWith(StopSettings, { default: () => StopSettings.make({}) })
}) {}

/** The whole `providers` section. */
export const ProvidersSection = Schema.Array(ProviderEntry).annotations({ identifier: "Providers" })

/** The signature a pipeline checks steps of this provider against. */
export const signatureOf = (entry: ProviderEntry): { readonly input: RecordType; readonly output: RecordType } => ({
  input: entry.input_schema,
  output: entry.output_schema
})

/**
 * The call options of one call: `timeout` and `idempotent` from the entry, then its `with`, then the
 * caller's own options, key by key (so every provider call has a timeout).
 */
export const callOptionsOf = (
  entry: ProviderEntry,
  overrides: Readonly<Record<string, unknown>> | undefined
): Either.Either<CallOptions, ParseResult.ParseError> =>
  decodeCallOptions({ timeout: formatMillis(entry.timeout), idempotent: entry.idempotent, ...entry.with, ...overrides })

const isLoopback = (hostname: string): boolean => {
  const bare = hostname.startsWith("[") ? hostname.slice(1, -1) : hostname
  return bare === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare)
}

/** Whether the provider's port is 0: the supervised process picks one and announces it. */
export const announcesPort = (entry: ProviderEntry): boolean => entry.launch !== undefined && new URL(entry.url).port === "0"

/**
 * What a schema alone cannot check: unique names, the rules of supervised providers (loopback URL,
 * a `health_url` on the same host and port, since it is their readiness), and a default fallback of
 * the output type. `at` names the section in problem paths.
 */
export const providerProblems = (entries: ReadonlyArray<ProviderEntry>, at = "providers"): Array<Problem> => {
  const problems: Array<Problem> = []
  const seen = new Map<string, number>()
  entries.forEach((entry, index) => {
    const path = `${at}[${index}]`
    const earlier = seen.get(entry.name)
    if (earlier !== undefined) {
      problems.push(new Problem({ path: `${path}.name`, message: `"${entry.name}" is already the name of ${at}[${earlier}]: provider names must be unique` }))
    }
    seen.set(entry.name, index)
    const fallback = entry.with?.["fallback"]
    if (fallback !== undefined) {
      const mismatches = diff(entry.output_schema, fallback)
      if (mismatches.length > 0) {
        problems.push(new Problem({
          path: `${path}.with.fallback`,
          message: `is not a value of output_schema ${describe(entry.output_schema)} (${formatMismatches(mismatches)}): give a fallback of that type, or remove it`
        }))
      }
    }
    if (entry.launch === undefined) return
    const url = new URL(entry.url)
    if (url.protocol !== "http:" || !isLoopback(url.hostname)) {
      problems.push(new Problem({
        path: `${path}.url`,
        message: `a supervised provider (with "launch") listens on loopback over http: use "http://127.0.0.1:0${url.pathname}" (port 0: the provider announces the port it picked)`
      }))
    }
    if (entry.health_url === undefined) {
      problems.push(new Problem({
        path: `${path}.health_url`,
        message: `is missing: a supervised provider is ready when its health_url answers 200; add it, for example "${url.origin}/health"`
      }))
    } else if (new URL(entry.health_url).host !== url.host) {
      problems.push(new Problem({
        path: `${path}.health_url`,
        message: `must be on the same host and port as url (${url.host}): the host reads the port of both from the provider's announcement`
      }))
    }
  })
  return problems
}

/** The folder-relative parts of a launch resolved, and an interpreter placeholder replaced by its path. */
const resolveLaunch = (launch: ProviderLaunch, base: string, path: Path.Path, python: Option.Option<string>): Either.Either<ProviderLaunch, string> =>
  Either.map(
    resolveExecutable(launch.executable, base, path, python),
    (executable) => new ProviderLaunch({ ...launch, executable, cwd: path.resolve(base, launch.cwd) })
  )

/** A resolved launch as the supervisor's `Launch` (for its preflight). */
export const toLaunch = (launch: ProviderLaunch): Launch =>
  new Launch({ executable: launch.executable, args: launch.args, cwd: launch.cwd, env: launch.env })

/**
 * Resolves launch paths against the config file's folder `base` and replaces `$python`/`$node`;
 * entries without `launch`, and already absolute paths, are unchanged (so it may run twice).
 */
export const resolveProviderPaths = Effect.fn("ProviderConfig.resolvePaths")(function*(
  entries: ReadonlyArray<ProviderEntry>,
  base: string,
  at = "providers"
) {
  const path = yield* Path.Path
  const python = needsPython(entries.map((entry) => entry.launch?.executable)) ? yield* recordedPython : Option.none<string>()
  const problems: Array<Problem> = []
  const resolved = entries.map((entry, index) => {
    if (entry.launch === undefined) return entry
    return Either.match(resolveLaunch(entry.launch, base, path, python), {
      onLeft: (message) => {
        problems.push(new Problem({ path: `${at}[${index}].launch.executable`, message }))
        return entry
      },
      onRight: (launch) => new ProviderEntry({ ...entry, launch })
    })
  })
  return { entries: resolved, problems }
})

const decodeSection = Schema.decodeUnknownEither(ProvidersSection, { errors: "all", onExcessProperty: "error" })

/** A `providers` section that is not valid; every problem is listed. */
export class ProvidersInvalid extends Schema.TaggedError<ProvidersInvalid>("orbiplex/provider/ProvidersInvalid")("ProvidersInvalid", {
  file: Schema.String,
  problems: Schema.Array(Problem)
}) {
  /** Every problem, one per line, with its path. */
  override get message(): string {
    return `the providers in ${this.file} have ${this.problems.length} problem(s); nothing was started:\n` +
      this.problems.map((p) => `  - ${p.path}: ${p.message}`).join("\n")
  }
}

/**
 * The providers of a config file: raw JSON entries are decoded (entries the config loader already
 * decoded are taken as they are), cross-checked, and their launch paths resolved against the file's folder.
 */
export const decodeProviders = Effect.fn("ProviderConfig.decode")(function*(file: string, section: ReadonlyArray<unknown>) {
  const path = yield* Path.Path
  const already = section.filter((entry): entry is ProviderEntry => entry instanceof ProviderEntry)
  const decoded = already.length === section.length ? Either.right(already) : decodeSection(section)
  if (Either.isLeft(decoded)) return yield* new ProvidersInvalid({ file, problems: problemsOf(decoded.left, ["providers"]) })
  const entries = decoded.right
  const { entries: resolved, problems } = yield* resolveProviderPaths(entries, path.dirname(path.resolve(file)))
  problems.push(...providerProblems(resolved))
  if (problems.length > 0) return yield* new ProvidersInvalid({ file, problems })
  return resolved
})
