/**
 * The port through which the chain runner has the host carry out a module's intents (CONTRACTS §2.3
 * step 5, §2.4). Middleware defines it; `src/capability/Capability.ts` implements it from the capability
 * registry. The runner therefore never names a capability, and a new one needs no runner change.
 */
import { Context, Effect, Layer, Option } from "effect"
import type { Intent } from "../contract/Decision.js"
import type { IntentResult } from "../contract/Envelope.js"
import type { Json } from "../contract/Json.js"

/** Who asks, and until when the intent may run. */
export interface IntentContext {
  readonly hook: string
  readonly executorId: string
  readonly moduleId: string
  readonly correlationId: string
  readonly causalityId: string
  /** Absolute deadline (the Effect `Clock`, epoch ms) by which the intent must have finished. */
  readonly deadline: number
}

/** The host side of intents. */
export class IntentHost extends Context.Tag("orbiplex/IntentHost")<IntentHost, {
  /**
   * Why an intent for `capability` with `input` cannot run (no such capability here, or an input that
   * does not match the capability's input schema), or `None` when it can. Pure: the validator calls it.
   */
  readonly check: (capability: string, input: Json) => Option.Option<string>
  /** Runs an intent the validator accepted. Never fails: a failure is a `status: "failed"` result. */
  readonly execute: (intent: Intent, context: IntentContext) => Effect.Effect<IntentResult>
  /** The capability ids this host provides. */
  readonly capabilities: ReadonlyArray<string>
}>() {}

const noCapability = (capability: string) =>
  `this host provides no capability ${JSON.stringify(capability)}: no capabilities are configured`

/** A host without capabilities: every intent is rejected (for tests and minimal embedders). */
export const layerNone: Layer.Layer<IntentHost> = Layer.succeed(
  IntentHost,
  IntentHost.of({
    check: (capability) => Option.some(noCapability(capability)),
    execute: (intent) =>
      Effect.succeed({ intent_id: intent.intent_id, status: "rejected", error: noCapability(intent.capability) }),
    capabilities: []
  })
)

/**
 * `host` narrowed to `allowed`: an intent for any other capability is refused as this chain's
 * limit (an order's provider chain may not, for example, place orders itself).
 */
export const restrictTo = (host: IntentHost["Type"], allowed: ReadonlyArray<string>): IntentHost["Type"] => {
  const refusal = (capability: string) =>
    `capability ${JSON.stringify(capability)} is not available to this chain; it may use ${allowed.join(", ") || "none"}`
  return IntentHost.of({
    check: (capability, input) => (allowed.includes(capability) ? host.check(capability, input) : Option.some(refusal(capability))),
    execute: (intent, context) =>
      allowed.includes(intent.capability)
        ? host.execute(intent, context)
        : Effect.succeed({ intent_id: intent.intent_id, status: "rejected", error: refusal(intent.capability) }),
    get capabilities() {
      return host.capabilities.filter((id) => allowed.includes(id))
    }
  })
}
