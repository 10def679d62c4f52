/**
 * Calling a provider (CONTRACTS §3.2-§3.4): the input is validated against `input_schema` before
 * anything is sent; each attempt POSTs the plain input record with `X-Execution-Id` (one per call,
 * the same on every retry), `X-Timeout-Ms` (the attempt's time left) and a W3C `traceparent`; the
 * answer is mapped to the output (validated against `output_schema`, extra fields dropped) or to a
 * typed error that keeps the provider's own code and message. Every call runs under the call
 * options (`CallPolicies`): the provider's defaults, then the caller's `with`, always with a timeout.
 */
import * as Metrics from "../metrics/Metrics.js"
import { randomBytes } from "node:crypto"
import { Context, Effect, Either, Layer, Option, Schema, Tracer } from "effect"
import { ErrorBody } from "../contract/ErrorBody.js"
import { problemsOf } from "../contract/Problems.js"
import type { CallOptions } from "../resilience/CallOptions.js"
import { CallPolicies, type CallRequest } from "../resilience/CallPolicies.js"
import type { AttemptContext, CallAnswer, CallReport } from "../resilience/CallReport.js"
import { settle } from "../resilience/CallReport.js"
import { callOptionsOf } from "./ProviderConfig.js"
import {
  type AttemptError,
  ExecutionFailed,
  InputTypeMismatch,
  InvalidCallOptions,
  InvalidResponse,
  isAttemptError,
  isRetryable,
  NetworkError,
  OutputTypeMismatch,
  parseRetryAfter,
  type ProviderCallError,
  retryAfterOf,
  Timeout,
  UnexpectedStatus,
  type UnknownProvider
} from "./ProviderError.js"
import { ProviderRegistry, type ResolvedProvider } from "./ProviderRegistry.js"
import { type HttpAnswer, ProviderTransport, type TransportFailure } from "./ProviderTransport.js"
import { diff } from "../typelang/TypeCheck.js"
import { parseJsonUnknown } from "../contract/Json.js"

/** Calls providers. */
export class ProviderClient extends Context.Tag("orbiplex/ProviderClient")<ProviderClient, {
  /** The call options of `name`: its config defaults, then `overrides` (a step's or caller's `with`). */
  readonly options: (
    name: string,
    overrides?: Readonly<Record<string, unknown>>
  ) => Effect.Effect<CallOptions, UnknownProvider | InvalidCallOptions>
  /**
   * Validates `input`, then runs the call under `options` and reports every attempt; provider errors
   * are in the report, not in the error channel. `onAttempt` runs at the start of each attempt.
   */
  readonly run: (
    name: string,
    input: unknown,
    options: CallOptions,
    onAttempt?: Effect.Effect<void>
  ) => Effect.Effect<CallReport<unknown, ProviderCallError>, UnknownProvider | InputTypeMismatch>
  /**
   * Calls `name` under its defaults merged with `overrides`, and applies `on_error`. Options are
   * decoded once per `overrides` object, so treat that object as immutable.
   */
  readonly call: (
    name: string,
    input: unknown,
    overrides?: Readonly<Record<string, unknown>>
  ) => Effect.Effect<CallAnswer<unknown, ProviderCallError>, ProviderCallError | UnknownProvider | InvalidCallOptions>
  /** One attempt with no call options applied (for tests and benchmarks); `input` must already be valid. */
  readonly attempt: (name: string, input: unknown, context: AttemptContext) => Effect.Effect<unknown, AttemptError | Timeout | UnknownProvider>
}>() {}

const parseJson = (text: string): Either.Either<unknown, string> =>
  Either.mapLeft(parseJsonUnknown(text), (reason) => `not JSON: ${JSON.stringify(text.slice(0, 120))} (${reason})`)

const decodeErrorBody = Schema.decodeUnknownOption(ErrorBody)

const traceIdPattern = /^[0-9a-f]{32}$/
const spanIdPattern = /^[0-9a-f]{16}$/

/** A W3C `traceparent` naming the caller's span (fresh ids when there is none, or it has no W3C ids). */
const traceparent = (span: Option.Option<Tracer.AnySpan>): string => {
  if (Option.isSome(span) && traceIdPattern.test(span.value.traceId) && spanIdPattern.test(span.value.spanId)) {
    return `00-${span.value.traceId}-${span.value.spanId}-01`
  }
  // One read of random bytes for both ids (a call without a span pays it on every attempt).
  const fresh = randomBytes(24).toString("hex")
  const traceId = Option.isSome(span) && traceIdPattern.test(span.value.traceId) ? span.value.traceId : fresh.slice(0, 32)
  const spanId = Option.isSome(span) && spanIdPattern.test(span.value.spanId) ? span.value.spanId : fresh.slice(32)
  return `00-${traceId}-${spanId}-01`
}

interface CallSite {
  readonly module: string
  readonly url: string
  readonly executionId: string
  readonly attempt: number
}

/** Turns an HTTP answer into the output or the typed error of CONTRACTS §3.3/§3.4. */
export const classify = (
  provider: ResolvedProvider,
  site: CallSite,
  answer: HttpAnswer,
  nowMs: number
): Either.Either<unknown, AttemptError> => {
  if (answer.status === 200) {
    const json = parseJson(answer.body)
    if (Either.isLeft(json)) return Either.left(new InvalidResponse({ ...site, detail: json.left }))
    const output = provider.decodeOutput(json.right)
    return Either.isRight(output)
      ? Either.right(output.right)
      : Either.left(new OutputTypeMismatch({ ...site, expected: provider.expectedOutput, mismatches: diff(provider.outputType, json.right) }))
  }
  const retryAfterMs = answer.status === 503 || answer.status === 429 ? parseRetryAfter(answer.retryAfter, nowMs) : undefined
  const wait = retryAfterMs === undefined ? {} : { retryAfterMs }
  const body = Option.flatMap(Either.getRight(parseJson(answer.body)), decodeErrorBody)
  return Either.left(Option.match(body, {
    onNone: (): AttemptError => new UnexpectedStatus({ ...site, status: answer.status, body: answer.body.slice(0, 200), ...wait }),
    onSome: ({ error }): AttemptError =>
      new ExecutionFailed({
        ...site,
        status: answer.status,
        code: error.code,
        providerMessage: error.message,
        ...(error.details === undefined ? {} : { details: error.details }),
        ...wait
      })
  }))
}

/** Builds the client over the registry, the transport and the shared call policies. */
export const make = Effect.gen(function*() {
  const registry = yield* ProviderRegistry
  const transport = yield* ProviderTransport
  const policies = yield* CallPolicies

  // The hot path: plain combinators, no generator and no span of its own (the request's traceparent
  // names the call's span), since every allocation here is paid on every attempt.
  const send = (provider: ResolvedProvider, body: string, context: AttemptContext): Effect.Effect<unknown, AttemptError | Timeout> => {
    const { entry } = provider
    const site: CallSite = { module: entry.name, url: entry.url, executionId: context.executionId, attempt: context.attempt }
    const timeLeftNow = Effect.map(context.timeLeftMs, (left) => Math.max(1, Math.floor(Option.getOrElse(left, () => entry.timeout))))
    // The attempt's deadline is kept here (`keepsDeadline`): its Timeout names the call's `timeout`
    // option, as the policies' own would, or the provider's timeout when the caller gave none.
    const timedOut = (timeoutMs: number) =>
      new Timeout({
        module: entry.name,
        timeoutMs: Option.getOrElse(context.timeoutMs, () => timeoutMs),
        attempt: context.attempt,
        maxAttempts: context.maxAttempts,
        executionId: context.executionId
      })
    const mapFailure = (failure: TransportFailure): AttemptError | Timeout =>
      failure._tag === "Transport"
        ? new NetworkError({ ...site, detail: failure.detail })
        : failure._tag === "TooLarge"
        ? new InvalidResponse({ ...site, detail: `the answer is larger than max_response_bytes (${failure.limit} bytes)` })
        : timedOut(failure.timeoutMs)
    // A supervised provider not serving by the attempt's deadline: the attempt timed out.
    const notServing = (detail: string): Effect.Effect<never, AttemptError | Timeout> =>
      Effect.flatMap(context.timeLeftMs, (left) =>
        Effect.fail(Option.isSome(left) && left.value <= 0 ? timedOut(entry.timeout) : new NetworkError({ ...site, detail })))
    const post = (origin: string, timeLeft: number, parent: Option.Option<Tracer.AnySpan>) =>
      Effect.flatMap(
        Effect.mapError(
          transport.request({
            method: "POST",
            origin,
            path: provider.path,
            headers: {
              "content-type": "application/json",
              "x-execution-id": context.executionId,
              "x-timeout-ms": String(timeLeft),
              traceparent: traceparent(parent)
            },
            body,
            maxBytes: entry.max_response_bytes,
            timeoutMs: timeLeft
          }),
          mapFailure
        ),
        // Wall-clock time on purpose: a Retry-After HTTP date is wall-clock time.
        (answer) => classify(provider, site, answer, Date.now())
      )
    return Effect.flatMap(timeLeftNow, (left) =>
      Effect.flatMap(Effect.catchAll(provider.origin(left), notServing), (origin) =>
        Effect.flatMap(Effect.serviceOption(Tracer.ParentSpan), (parent) =>
          // Waiting for a supervised provider to come back takes from the attempt's time.
          Option.isSome(provider.process)
            ? Effect.flatMap(timeLeftNow, (timeLeft) => post(origin, timeLeft, parent))
            : post(origin, left, parent))))
  }

  const validate = (provider: ResolvedProvider, input: unknown): Either.Either<unknown, InputTypeMismatch> =>
    Either.mapLeft(
      provider.decodeInput(input),
      () => new InputTypeMismatch({ module: provider.entry.name, expected: provider.expectedInput, mismatches: diff(provider.inputType, input) })
    )

  const request = (
    provider: ResolvedProvider,
    input: unknown,
    options: CallOptions,
    onAttempt: Effect.Effect<void> | undefined
  ): CallRequest<unknown, AttemptError | Timeout> => {
    const body = JSON.stringify(input)
    return {
      module: provider.entry.name,
      options,
      input,
      call: onAttempt === undefined
        ? (context) => send(provider, body, context)
        : (context) => Effect.zipRight(onAttempt, send(provider, body, context)),
      isOutput: (u: unknown): u is unknown => Either.isRight(provider.decodeOutput(u)),
      isError: (u: unknown): u is AttemptError | Timeout => isAttemptError(u) || u instanceof Timeout,
      // A transport-level Timeout is retried like the policies' own.
      isRetryable: (error) => error instanceof Timeout || isRetryable(error),
      retryAfter: (error) => (error instanceof Timeout ? Option.none() : retryAfterOf(error)),
      keepsDeadline: true
    }
  }

  // Decoding options costs more than a loopback call's whole overhead budget: a provider's own defaults
  // are decoded once, and a caller's options once per options object.
  const defaults = new Map<string, Either.Either<CallOptions, InvalidCallOptions>>()
  const given = new WeakMap<object, Map<string, Either.Either<CallOptions, InvalidCallOptions>>>()
  const decodeFor = (provider: ResolvedProvider, overrides: Readonly<Record<string, unknown>> | undefined) =>
    Either.mapLeft(
      callOptionsOf(provider.entry, overrides),
      (error) => new InvalidCallOptions({ module: provider.entry.name, problems: problemsOf(error).map((p) => `${p.path}: ${p.message}`) })
    )
  const options = (name: string, overrides?: Readonly<Record<string, unknown>>) =>
    Effect.flatMap(registry.get(name), (provider) => {
      let cache = overrides === undefined ? defaults : given.get(overrides)
      if (cache === undefined) {
        cache = new Map()
        if (overrides !== undefined) given.set(overrides, cache)
      }
      const known = cache.get(name)
      if (known !== undefined) return known
      const decoded = decodeFor(provider, overrides)
      cache.set(name, decoded)
      return decoded
    })

  const run = (name: string, input: unknown, callOptions: CallOptions, onAttempt?: Effect.Effect<void>) =>
    Effect.flatMap(registry.get(name), (provider) =>
      Effect.flatMap(validate(provider, input), (valid) =>
        policies.run(request(provider, valid, callOptions, onAttempt)).pipe(Metrics.trackProviderCall(name))))

  return ProviderClient.of({
    options,
    run,
    call: (name, input, overrides) =>
      Effect.flatMap(options(name, overrides), (callOptions) =>
        Effect.flatMap(run(name, input, callOptions), (report) => settle(report, callOptions.on_error))),
    attempt: (name, input, context) =>
      Effect.flatMap(registry.get(name), (provider) => send(provider, JSON.stringify(input), context))
  })
})

/** The client; it needs the registry, the transport and the node's shared call policies. */
export const layer: Layer.Layer<ProviderClient, never, ProviderRegistry | ProviderTransport | CallPolicies> = Layer.effect(
  ProviderClient,
  make
)
