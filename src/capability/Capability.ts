/**
 * Host capabilities behind intents (CONTRACTS §2.4). Each capability is one file of this folder: its
 * input and output Schemas and its work, exported as a `capability` effect (over the services it
 * needs) and as a `Context.Tag` service. A registry is built from any list of them: `layerFrom` for
 * a standalone registry and `IntentHost`; `layerPort` + `layerRegistry` for a node whose chain runner
 * must exist before the capabilities that run chains (the port is bound once the registry is built).
 * A new capability is a new file and one line in the node's list: the chain runner does not change.
 */
import { Clock, Context, Deferred, Duration, Effect, Either, Layer, MutableRef, Option, ParseResult, Schema } from "effect"
import type { Intent } from "../contract/Decision.js"
import type { IntentResult } from "../contract/Envelope.js"
import type { Json } from "../contract/Json.js"
import { formatProblems, problemsOf } from "../contract/Problems.js"
import { type IntentContext, IntentHost } from "../middleware/IntentHost.js"
import { isJson } from "../middleware/MergePatch.js"

/** A capability's work failed; the module sees `detail` in its intent result. */
export class CapabilityFailed extends Schema.TaggedError<CapabilityFailed>()("CapabilityFailed", {
  capability: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `host capability ${this.capability} failed: ${this.detail}`
  }
}

/** One host capability, its schemas erased behind `check` and `run` so any set of them fits one registry. */
export interface Capability {
  /** `<area>.<verb>`, e.g. `inquirium.request`. */
  readonly id: string
  readonly description: string
  /** Why `input` does not match the input schema, or `None`. */
  readonly check: (input: unknown) => Option.Option<string>
  /** Decodes the input, does the work, and encodes the output as JSON. */
  readonly run: (input: unknown, context: IntentContext) => Effect.Effect<Json, CapabilityFailed>
}

/** What a capability is made from: its schemas and its typed work. */
export interface CapabilitySpec<I, IE, O, OE> {
  readonly id: string
  readonly description: string
  readonly input: Schema.Schema<I, IE>
  readonly output: Schema.Schema<O, OE>
  readonly run: (input: I, context: IntentContext) => Effect.Effect<O, CapabilityFailed>
}

/** Makes a `Capability` from typed schemas and work. */
export const make = <I, IE, O, OE>(spec: CapabilitySpec<I, IE, O, OE>): Capability => {
  const decode = Schema.decodeUnknownEither(spec.input, { errors: "all", onExcessProperty: "error" })
  const encode = Schema.encodeEither(spec.output)
  const describe = (error: ParseResult.ParseError) =>
    `input does not match the input schema of ${spec.id}:\n${formatProblems(problemsOf(error, ["input"]))}`
  return {
    id: spec.id,
    description: spec.description,
    check: (input) => Either.match(decode(input), { onLeft: (error) => Option.some(describe(error)), onRight: () => Option.none() }),
    run: (input, context) =>
      Effect.gen(function*() {
        const decoded = decode(input)
        if (Either.isLeft(decoded)) return yield* new CapabilityFailed({ capability: spec.id, detail: describe(decoded.left) })
        const output = yield* spec.run(decoded.right, context)
        const encoded = encode(output)
        if (Either.isLeft(encoded) || !isJson(encoded.right)) {
          return yield* new CapabilityFailed({ capability: spec.id, detail: "the capability produced an output its schema does not encode to JSON" })
        }
        return encoded.right
      })
  }
}

/** The registry of the host's capabilities. */
export class Capabilities extends Context.Tag("orbiplex/Capabilities")<Capabilities, {
  readonly get: (id: string) => Option.Option<Capability>
  /** Capability ids, in registration order. */
  readonly ids: ReadonlyArray<string>
}>() {}

/** The `IntentHost` port over a registry: checks and runs intents, each bounded by the turn's deadline. */
export const intentHostOf = (registry: Capabilities["Type"]): IntentHost["Type"] => {
  const unknown = (capability: string) =>
    `this host provides no capability ${JSON.stringify(capability)}; it provides ${registry.ids.join(", ") || "none"}`
  const execute = (intent: Intent, context: IntentContext): Effect.Effect<IntentResult> =>
    Option.match(registry.get(intent.capability), {
      onNone: () => Effect.succeed<IntentResult>({ intent_id: intent.intent_id, status: "rejected", error: unknown(intent.capability) }),
      onSome: (capability) =>
        Effect.gen(function*() {
          const left = context.deadline - (yield* Clock.currentTimeMillis)
          return yield* capability.run(intent.input, context).pipe(
            Effect.timeoutFail({
              duration: Duration.millis(Math.max(0, left)),
              onTimeout: () =>
                new CapabilityFailed({ capability: capability.id, detail: `did not finish within the ${Math.max(0, Math.round(left))} ms left of the turn` })
            }),
            Effect.match({
              onFailure: (error): IntentResult => ({ intent_id: intent.intent_id, status: "failed", error: error.message }),
              onSuccess: (result): IntentResult => ({ intent_id: intent.intent_id, status: "ok", result })
            })
          )
        })
    })
  return IntentHost.of({
    check: (capability, input) =>
      Option.match(registry.get(capability), { onNone: () => Option.some(unknown(capability)), onSome: (c) => c.check(input) }),
    execute,
    capabilities: registry.ids
  })
}

/** A registry of `capabilities`; two with one id are a wiring bug. */
export const makeRegistry = (capabilities: ReadonlyArray<Capability>): Effect.Effect<Capabilities["Type"]> =>
  Effect.suspend(() => {
    const byId = new Map<string, Capability>()
    for (const capability of capabilities) {
      if (byId.has(capability.id)) return Effect.dieMessage(`host capability ${capability.id} is registered twice`)
      byId.set(capability.id, capability)
    }
    return Effect.succeed(Capabilities.of({ get: (id) => Option.fromNullable(byId.get(id)), ids: [...byId.keys()] }))
  })

/**
 * The registry and the `IntentHost` port from capability services (their tags, or any effect giving a
 * `Capability`): `layerFrom(InquiriumRequest, WorkspaceStage)` needs those two services.
 */
export const layerFrom = <const R extends ReadonlyArray<unknown>>(
  ...services: { readonly [K in keyof R]: Effect.Effect<Capability, never, R[K]> }
): Layer.Layer<Capabilities | IntentHost, never, R[number]> => layerRegistry<R>(...services).pipe(Layer.provideMerge(layerPort))

/** Binds the late `IntentHost` port to the registry once every capability is built. */
export class CapabilitySlot extends Context.Tag("orbiplex/CapabilitySlot")<CapabilitySlot, {
  readonly bind: (registry: Capabilities["Type"]) => Effect.Effect<void>
}>() {}

const starting = (capability: string) =>
  `the node is still starting: capability ${JSON.stringify(capability)} is not registered yet; ask again once the node is up`

/**
 * The `IntentHost` port before its capabilities exist. Some capabilities run chains
 * (`procurement.order` runs a provider's `service.execute`), and the one chain runner needs the port:
 * the port is built first and bound by `layerRegistry` at the end of the build. Until then `check`
 * refuses every intent (nothing runs a chain before the node is up) and `execute` waits for the bind.
 */
export const layerPort: Layer.Layer<IntentHost | CapabilitySlot> = Layer.effectContext(
  Effect.gen(function*() {
    const bound = yield* Deferred.make<IntentHost["Type"]>()
    const current = MutableRef.make(Option.none<IntentHost["Type"]>())
    const port = IntentHost.of({
      check: (capability, input) =>
        Option.match(MutableRef.get(current), { onNone: () => Option.some(starting(capability)), onSome: (host) => host.check(capability, input) }),
      execute: (intent, context) => Effect.flatMap(Deferred.await(bound), (host) => host.execute(intent, context)),
      get capabilities() {
        return Option.match(MutableRef.get(current), { onNone: () => [], onSome: (host) => host.capabilities })
      }
    })
    const slot = CapabilitySlot.of({
      bind: (registry) =>
        Effect.suspend(() => {
          if (Option.isSome(MutableRef.get(current))) return Effect.dieMessage("the capability registry is bound twice: a wiring bug")
          const host = intentHostOf(registry)
          MutableRef.set(current, Option.some(host))
          return Deferred.succeed(bound, host)
        })
    })
    return Context.make(IntentHost, port).pipe(Context.add(CapabilitySlot, slot))
  })
)

/** The registry of `services` (registration order), bound to the port of `layerPort`. */
export const layerRegistry = <const R extends ReadonlyArray<unknown>>(
  ...services: { readonly [K in keyof R]: Effect.Effect<Capability, never, R[K]> }
): Layer.Layer<Capabilities, never, R[number] | CapabilitySlot> => {
  const list: ReadonlyArray<Effect.Effect<Capability, never, R[number]>> = services
  return Layer.effect(
    Capabilities,
    Effect.gen(function*() {
      const registry = yield* Effect.flatMap(Effect.forEach(list, (service) => service), makeRegistry)
      yield* Effect.flatMap(CapabilitySlot, (slot) => slot.bind(registry))
      return registry
    })
  )
}
