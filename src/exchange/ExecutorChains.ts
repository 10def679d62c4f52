/**
 * The exchange hooks' chains (`service.publish`, `service.execute`) for one target provider, on the
 * node's one chain runner. Every module the operator attached to the hook runs in chain order:
 * policy and filter modules take their turn on every offer and order (a `reject` of theirs rejects
 * it), and the target provider handles its own offer or order. The other providers attached to the
 * hook (several Dator instances join both hooks) are passed over, because an offer is shaped by its
 * own Dator and an order goes only to the provider it was placed with; another Dator would refuse a
 * service it does not offer and fail the chain. A passed-over provider is listed in the chain trace
 * with the reason, never left out silently. Who is a provider: ProviderProfile.isProvider (a module
 * whose settings name services it sells).
 *
 * The intents of these chains (a Dator's `inquirium.request`, a policy module's too) may use only the
 * provider-side capabilities the node gives this layer (`make(capabilities)`): never
 * `procurement.order` itself, which is built on top of this service, so an order's execution cannot
 * buy further orders.
 */
import { Context, Effect, Layer, Option, Schema } from "effect"
import type { JsonObject } from "../contract/Json.js"
import type { ModuleEntry } from "../contract/ModuleEntry.js"
import * as ChainRunner from "../middleware/ChainRunner.js"
import type { ChainResult } from "../middleware/ChainTrace.js"
import type { UnknownHook } from "../middleware/HookRegistry.js"
import { Supervisor } from "../supervisor/Supervisor.js"
import { isProvider } from "./ProviderProfile.js"

/** The executor is not configured, or not attached to the hook. */
export class ExecutorNotAttached extends Schema.TaggedError<ExecutorNotAttached>()("ExecutorNotAttached", {
  executor_id: Schema.String,
  hook: Schema.String,
  attached: Schema.Array(Schema.String)
}) {
  override get message(): string {
    return `executor ${JSON.stringify(this.executor_id)} is not attached to hook "${this.hook}" ` +
      `(attached: ${this.attached.join(", ") || "none"}); add the hook to the module's "hooks" in the node config`
  }
}

/** Exchange chains aimed at one provider. */
export class ExecutorChains extends Context.Tag("orbiplex/ExecutorChains")<ExecutorChains, {
  /**
   * Runs the whole chain of `hook` over `payload` with `executorId` as the provider whose offer or
   * order it is: the other providers are passed over. Executor failures are in the result.
   */
  readonly run: (
    executorId: string,
    hook: string,
    payload: JsonObject,
    options?: ChainRunner.RunOptions
  ) => Effect.Effect<ChainResult, ExecutorNotAttached | UnknownHook | ChainRunner.PayloadInvalid>
  /** Executor ids attached to `hook`, in config order. */
  readonly attached: (hook: string) => ReadonlyArray<string>
}>() {}

/** The capability ids a provider's chain may use, unless the node says otherwise. */
export const providerSideCapabilities: ReadonlyArray<string> = ["inquirium.request", "workspace.stage"]

/** Passes over every provider but `target`; policy and filter modules are never passed over. */
export const passOverOtherProviders = (target: string, hook: string) => (entry: ModuleEntry): Option.Option<string> =>
  entry.id !== target && isProvider(entry)
    ? Option.some(`not the target: this ${hook} run is for provider ${target}'s own offer or order`)
    : Option.none()

/** Chains aimed at one provider on the node's chain runner; their intents may use only `capabilities`. */
export const make = (capabilities: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const supervisor = yield* Supervisor
    const runner = yield* ChainRunner.ChainRunner
    // Read on every run: a reload changes the supervised entries.
    const attached = (hook: string) => supervisor.entries.filter((entry) => entry.hooks.includes(hook)).map((entry) => entry.id)
    return ExecutorChains.of({
      attached,
      run: (executorId, hook, payload, options = {}) =>
        attached(hook).includes(executorId)
          ? runner.runHook(hook, payload, { ...options, passOver: passOverOtherProviders(executorId, hook), capabilities })
          : Effect.fail(new ExecutorNotAttached({ executor_id: executorId, hook, attached: attached(hook) }))
    })
  })

/** The service, its chains limited to `capabilities` (default: the provider-side ones). */
export const layer = (
  capabilities: ReadonlyArray<string> = providerSideCapabilities
): Layer.Layer<ExecutorChains, never, ChainRunner.ChainRunner | Supervisor> => Layer.effect(ExecutorChains, make(capabilities))
