/**
 * W3C trace context from the current Effect span: the `traceparent` header of module and provider
 * calls and the `TRACEPARENT` a module gets at spawn. Reading the current span allocates nothing
 * when tracing is off beyond the header string. Also whether tracing is on, and spans made only
 * then, for hot paths. Imports nothing but effect, so any layer may use it.
 */
import { Effect, Option, Tracer } from "effect"

const traceIdPattern = /^[0-9a-f]{32}$/
const spanIdPattern = /^[0-9a-f]{16}$/

/** `00-<trace id>-<span id>-01` for a span with W3C ids; none for a span without them. */
export const traceparentOf = (span: Tracer.AnySpan): Option.Option<string> =>
  traceIdPattern.test(span.traceId) && spanIdPattern.test(span.spanId)
    ? Option.some(`00-${span.traceId}-${span.spanId}-${span.sampled ? "01" : "00"}`)
    : Option.none()

/**
 * The current span's `traceparent`, if the fiber runs in one (an Effect span, not an external parent).
 * Read from the context rather than through `Effect.currentSpan`, which fails with an exception (a
 * stack trace captured) whenever there is no span: ~12 µs on every call of a node without tracing.
 */
export const currentTraceparent: Effect.Effect<Option.Option<string>> = Effect.map(
  Effect.serviceOption(Tracer.ParentSpan),
  (span) => Option.isSome(span) && span.value._tag === "Span" ? traceparentOf(span.value) : Option.none()
)

// Effect's default tracer, as every fiber has it before a tracing layer replaces it.
const defaultTracer = Effect.runSync(Effect.tracer)

const isExporting = (tracer: Tracer.Tracer): boolean => tracer !== defaultTracer

/** Whether a tracing layer (an exporting tracer) is in place for this fiber. */
export const isOn: Effect.Effect<boolean> = Effect.tracerWith((tracer) => Effect.succeed(isExporting(tracer)))

/**
 * Runs `effect` in a span named `name` while tracing is on, and as it is otherwise. For hot paths
 * only: a span of Effect's own tracer (what `Effect.fn("name")` makes even with nothing to export
 * it to) measured ~20-30 µs here, more than the rest of a loopback module call's host work.
 * `attributes` is called only when the span is made.
 */
export const withSpanWhenTracing = (
  name: string,
  attributes?: () => Record<string, unknown>,
  kind?: Tracer.SpanKind
) =>
<A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  // One read of the tracer rather than `flatMap(isOn, ...)`: this wraps every policed call, and the
  // two effects more per call showed in the profile of a pipeline step.
  Effect.tracerWith((tracer) =>
    isExporting(tracer)
      ? Effect.withSpan(effect, name, { ...(kind === undefined ? {} : { kind }), ...(attributes === undefined ? {} : { attributes: attributes() }) })
      : effect
  )
