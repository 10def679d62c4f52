/**
 * A hook's chain run through ONE executor, on the node's one chain runner. Several Dator instances
 * join `service.publish` and `service.execute`, yet an offer is shaped by its own Dator and an order
 * goes only to the provider it was placed with: the other Dators would refuse a service they do not
 * offer and fail the chain. So each run names its executor (`RunOptions.executors`).
 *
 * The intents of these chains (a Dator's `inquirium.request`) may use only the provider-side
 * capabilities the node gives this layer (`RunOptions.capabilities`): never `procurement.order`
 * itself, which is built on top of this service, so an order's execution cannot buy further orders.
 */
import { Context, Effect, Layer, Schema } from "effect"
import type { JsonObject } from "../contract/Json.js"
import * as ChainRunner from "../middleware/ChainRunner.js"
import type { ChainResult } from "../middleware/ChainTrace.js"
import type { UnknownHook } from "../middleware/HookRegistry.js"
import { Supervisor } from "../supervisor/Supervisor.js"

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

/** Chains through one executor at a time. */
export class ExecutorChains extends Context.Tag("orbiplex/ExecutorChains")<ExecutorChains, {
  /** Runs `hook` over `payload` through `executorId` only. Executor failures are in the result. */
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

/** Single-executor runs on the node's chain runner; their intents may use only `capabilities`. */
export const make = (capabilities: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const supervisor = yield* Supervisor
    const runner = yield* ChainRunner.ChainRunner
    const attached = (hook: string) => supervisor.entries.filter((entry) => entry.hooks.includes(hook)).map((entry) => entry.id)
    return ExecutorChains.of({
      attached,
      run: (executorId, hook, payload, options = {}) =>
        attached(hook).includes(executorId)
          ? runner.runHook(hook, payload, { ...options, executors: [executorId], capabilities })
          : Effect.fail(new ExecutorNotAttached({ executor_id: executorId, hook, attached: attached(hook) }))
    })
  })

/** The service, its chains limited to `capabilities` (default: the provider-side ones). */
export const layer = (
  capabilities: ReadonlyArray<string> = providerSideCapabilities
): Layer.Layer<ExecutorChains, never, ChainRunner.ChainRunner | Supervisor> => Layer.effect(ExecutorChains, make(capabilities))
