/**
 * The node's providers (CONTRACTS §3.1): their entries and signatures for pipeline checks, where each
 * one is reached now (a fixed URL, or the port a supervised provider announced), and health checks.
 *
 * Startup, in order: the schemas are already well-formed (the config decoder refused the file
 * otherwise); supervised providers are started and awaited; every provider's `health_url` is asked
 * once, and each result is logged with what to check. Supervised providers are members of the node's
 * Supervisor (so `orbiplex status`, `module restart` and the facts cover them); this registry asks it
 * where each one listens now. A failed check blocks the start only for
 * entries marked `require_healthy` (or when the layer is built with `requireHealthy`).
 */
import { Clock, Context, Effect, Either, Layer, Option, ParseResult, Schema } from "effect"
import type { ModuleState } from "../contract/LifecycleFact.js"
import type { LifecycleLog } from "../supervisor/LifecycleLog.js"
import { layerEmpty, layerStandalone, Supervisor } from "../supervisor/Supervisor.js"
import type { ProviderEntry } from "./ProviderConfig.js"
import { UnknownProvider } from "./ProviderError.js"
import { providerMember, type ProviderProcessStatus, type SupervisedProvider, supervise } from "./ProviderProcess.js"
import { ProviderTransport } from "./ProviderTransport.js"
import { toSchema } from "../typelang/TypeCheck.js"
import type { RecordType } from "../typelang/TypeLanguage.js"
import { describe } from "../typelang/TypeLanguage.js"

/** A provider ready to be called: its entry, compiled validators, and how to find it. */
export interface ResolvedProvider {
  readonly entry: ProviderEntry
  /** Path and query of `url`. */
  readonly path: string
  readonly inputType: RecordType
  readonly outputType: RecordType
  /** `describe(outputType)`, computed once for messages. */
  readonly expectedOutput: string
  readonly expectedInput: string
  readonly decodeInput: (u: unknown) => Either.Either<unknown, ParseResult.ParseIssue>
  readonly decodeOutput: (u: unknown) => Either.Either<unknown, ParseResult.ParseIssue>
  /** The origin to send to; a supervised provider that is not serving is waited for up to `withinMs`. */
  readonly origin: (withinMs: number) => Effect.Effect<string, string>
  /** The supervised process, if the host runs it. */
  readonly process: Option.Option<SupervisedProvider>
}

/** The outcome of one health check. */
export const HealthOutcome = Schema.Literal("healthy", "unhealthy", "unchecked")
/** @see HealthOutcome */
export type HealthOutcome = typeof HealthOutcome.Type

/** One provider's health as `provider check` prints it. */
export interface ProviderHealth {
  readonly name: string
  readonly outcome: HealthOutcome
  readonly url: string | undefined
  /** `HTTP 200 in 3 ms`, or what went wrong and what to check. */
  readonly detail: string
  readonly durationMs: number
  readonly supervised: boolean
  readonly state: ModuleState | undefined
  readonly required: boolean
}

/** Renders a health result as one line. */
export const healthLine = (h: ProviderHealth): string =>
  `provider ${h.name}${h.supervised ? ` (supervised, ${h.state ?? "?"})` : ""}: ${h.outcome}${h.url === undefined ? "" : ` ${h.url}`}: ${h.detail}`

/** Providers whose startup health check failed where a healthy provider was required. */
export class ProviderStartFailed extends Schema.TaggedError<ProviderStartFailed>("orbiplex/provider/ProviderStartFailed")("ProviderStartFailed", {
  unhealthy: Schema.Array(Schema.Struct({ name: Schema.String, url: Schema.String, detail: Schema.String }))
}) {
  /** Each provider, what failed, and what to check. */
  override get message(): string {
    return `${this.unhealthy.length} required provider(s) failed the startup health check, so the node did not start:\n` +
      this.unhealthy.map((u) => `  - ${u.name} (${u.url}): ${u.detail}`).join("\n") +
      `\n  Next: start the provider (or fix its url/health_url), then try again; set "require_healthy": false to start without it.`
  }
}

/** The providers of the node. */
export class ProviderRegistry extends Context.Tag("orbiplex/ProviderRegistry")<ProviderRegistry, {
  /** The entries, in config order. */
  readonly entries: ReadonlyArray<ProviderEntry>
  /** The resolved provider of a name. */
  readonly get: (name: string) => Effect.Effect<ResolvedProvider, UnknownProvider>
  /** The resolved provider of a name, if there is one (synchronously, for routing). */
  readonly find: (name: string) => ResolvedProvider | undefined
  /** Health of every provider (or only `name`), checked now, in parallel. */
  readonly health: (name?: string) => Effect.Effect<ReadonlyArray<ProviderHealth>, UnknownProvider>
  /** The supervised providers' states. */
  readonly processes: Effect.Effect<ReadonlyArray<ProviderProcessStatus>>
}>() {}

/** Layer options. */
export interface RegistryOptions {
  /** Fail the start when any provider is unhealthy (default: only those marked `require_healthy`). */
  readonly requireHealthy?: boolean
  /** Skip the startup health checks (e.g. `provider check` runs its own and reports them). */
  readonly skipStartupCheck?: boolean
}

const HEALTH_TIMEOUT_MS = 5_000

const notServing = (s: ProviderProcessStatus): string =>
  `the provider process is ${s.state}${s.lastError === undefined ? "" : ` (${s.lastError})`}; see its lifecycle facts (component provider.${s.name})`

/** Compiles an entry for calls; a supervised provider is reached where its process announced. */
export const resolve = (entry: ProviderEntry, process: Option.Option<SupervisedProvider> = Option.none()): ResolvedProvider => {
  const url = new URL(entry.url)
  return {
    entry,
    path: url.pathname + url.search,
    inputType: entry.input_schema,
    outputType: entry.output_schema,
    expectedInput: describe(entry.input_schema),
    expectedOutput: describe(entry.output_schema),
    decodeInput: ParseResult.decodeUnknownEither(toSchema(entry.input_schema)),
    decodeOutput: ParseResult.decodeUnknownEither(toSchema(entry.output_schema)),
    origin: Option.match(process, {
      onNone: () => () => Effect.succeed(url.origin),
      onSome: (p) => (withinMs: number) => Effect.mapError(p.origin(withinMs), notServing)
    }),
    process
  }
}

/** Builds the registry: starts supervised providers, then checks every provider's health once. */
export const make = (entries: ReadonlyArray<ProviderEntry>, options: RegistryOptions = {}) =>
  Effect.gen(function*() {
    const transport = yield* ProviderTransport
    const supervisor = yield* Supervisor
    const byName = new Map<string, ResolvedProvider>()
    for (const entry of entries) {
      // A supervised provider is a member of the node's Supervisor for as long as this registry lives.
      const member = providerMember(entry)
      const process = member === undefined ? Option.none() : Option.some(yield* supervise(supervisor, member))
      byName.set(entry.name, resolve(entry, process))
    }
    const names = entries.map((e) => e.name)
    const get = (name: string) => {
      const found = byName.get(name)
      return found === undefined ? Effect.fail(new UnknownProvider({ module: name, known: names })) : Effect.succeed(found)
    }

    const checkOne = (p: ResolvedProvider): Effect.Effect<ProviderHealth> =>
      Effect.gen(function*() {
        const { entry } = p
        const supervised = Option.isSome(p.process)
        const state = Option.isSome(p.process) ? (yield* p.process.value.status).state : undefined
        const required = entry.require_healthy || options.requireHealthy === true
        const base = { name: entry.name, supervised, state, required }
        if (entry.health_url === undefined) {
          return { ...base, outcome: "unchecked", url: undefined, detail: "no health_url in config: add one so startup can check the provider", durationMs: 0 } satisfies ProviderHealth
        }
        const health = new URL(entry.health_url)
        const start = yield* Clock.currentTimeMillis
        const result = yield* Effect.either(Effect.gen(function*() {
          const origin = yield* p.origin(0)
          // A supervised provider's health_url names port 0: show the one it announced.
          const shown = supervised ? origin + health.pathname + health.search : health.href
          const answer = yield* transport.request({
            method: "GET",
            origin: supervised ? origin : health.origin,
            path: health.pathname + health.search,
            headers: {},
            maxBytes: 65_536,
            timeoutMs: Math.min(entry.timeout, HEALTH_TIMEOUT_MS)
          }).pipe(Effect.mapError((f) =>
            f._tag === "Transport"
              ? `unreachable: ${f.detail}`
              : f._tag === "TimedOut"
              ? `no answer within ${f.timeoutMs} ms`
              : `answer larger than ${f.limit} bytes`
          ))
          return { answer, shown }
        }))
        const durationMs = (yield* Clock.currentTimeMillis) - start
        return Either.match(result, {
          onLeft: (detail): ProviderHealth => ({
            ...base,
            outcome: "unhealthy",
            url: entry.health_url,
            detail: `${detail}. Next: check that the provider runs and that health_url is right (curl ${entry.health_url})`,
            durationMs
          }),
          onRight: ({ answer, shown }): ProviderHealth =>
            answer.status === 200
              ? { ...base, outcome: "healthy", url: shown, detail: `HTTP 200 in ${durationMs} ms`, durationMs }
              : {
                ...base,
                outcome: "unhealthy",
                url: shown,
                detail: `answered HTTP ${answer.status} (${JSON.stringify(answer.body.slice(0, 120))}). Next: read the provider's logs`,
                durationMs
              }
        })
      })

    const healthAll = Effect.forEach([...byName.values()], checkOne, { concurrency: "unbounded" })
    const health = (name?: string): Effect.Effect<ReadonlyArray<ProviderHealth>, UnknownProvider> =>
      name === undefined ? healthAll : Effect.map(Effect.flatMap(get(name), checkOne), (h) => [h])

    // Supervised providers come up in parallel; the registry is handed out once each serves or gave up.
    yield* Effect.forEach([...byName.values()], (p) => Option.match(p.process, { onNone: () => Effect.void, onSome: (s) => s.settled }), {
      concurrency: "unbounded",
      discard: true
    })
    if (options.skipStartupCheck !== true) {
      const results = yield* healthAll
      for (const h of results) {
        yield* h.outcome === "unhealthy" ? Effect.logWarning(healthLine(h)) : Effect.logInfo(healthLine(h))
      }
      const blocking = results.filter((h) => h.outcome === "unhealthy" && h.required)
      if (blocking.length > 0) {
        return yield* new ProviderStartFailed({ unhealthy: blocking.map((h) => ({ name: h.name, url: h.url ?? "", detail: h.detail })) })
      }
    }

    return ProviderRegistry.of({
      entries,
      get,
      find: (name) => byName.get(name),
      health,
      processes: Effect.forEach(
        [...byName.values()].flatMap((p) => Option.toArray(p.process)),
        (p) => p.status
      )
    })
  })

/** The registry for `entries` (resolved by `decodeProviders`), its supervised providers members of the given Supervisor. */
export const layerInSupervisor = (
  entries: ReadonlyArray<ProviderEntry>,
  options: RegistryOptions = {}
): Layer.Layer<ProviderRegistry, ProviderStartFailed, ProviderTransport | Supervisor> => Layer.scoped(ProviderRegistry, make(entries, options))

/** The registry for `entries`, its supervised providers in a Supervisor of their own (no node around it). */
export const layer = (
  entries: ReadonlyArray<ProviderEntry>,
  options: RegistryOptions = {}
): Layer.Layer<ProviderRegistry, ProviderStartFailed, ProviderTransport | LifecycleLog> =>
  layerInSupervisor(entries, options).pipe(
    Layer.provide(entries.some((entry) => entry.launch !== undefined) ? layerStandalone : layerEmpty)
  )
