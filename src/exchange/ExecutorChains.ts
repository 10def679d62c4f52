/**
 * A hook's chain run through ONE executor. Several Dator instances join `service.publish` and
 * `service.execute`, yet an offer is shaped by its own Dator and an order goes only to the provider
 * it was placed with: the other Dators would refuse a service they do not offer and fail the chain.
 * So each supervised executor gets its own chain runner (the real `ChainRunner`: envelope, rounds,
 * validation, intents, failure policy, trace) over a view of the supervisor that holds that one entry.
 *
 * The intents of these chains (a Dator's `inquirium.request`) run on the provider-side capabilities
 * given to `make`: never `procurement.order` itself, which is built on top of this service, so an
 * order's execution cannot buy further orders.
 */
import { Context, Effect, Layer, Schema } from "effect"
import type { JsonObject } from "../contract/Json.js"
import * as ChainRunner from "../middleware/ChainRunner.js"
import type { ChainResult } from "../middleware/ChainTrace.js"
import { HookRegistry, type UnknownHook } from "../middleware/HookRegistry.js"
import { IntentHost } from "../middleware/IntentHost.js"
import { TraceStore } from "../middleware/TraceStore.js"
import { ModuleClient } from "../supervisor/ModuleClient.js"
import { Supervisor } from "../supervisor/Supervisor.js"
import { type Capability, intentHostOf, makeRegistry } from "../capability/Capability.js"
import { InquiriumRequest } from "../capability/Inquirium.js"
import { WorkspaceStage } from "../capability/WorkspaceStage.js"

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

/** Builds one runner per supervised executor; their intents run on `capabilities`. */
export const make = (capabilities: ReadonlyArray<Capability>) =>
  Effect.gen(function*() {
    const supervisor = yield* Supervisor
    const intentHost = intentHostOf(yield* makeRegistry(capabilities))
    const runners = new Map<string, ChainRunner.ChainRunner["Type"]>()
    for (const entry of supervisor.entries) {
      const runner = yield* ChainRunner.make.pipe(
        Effect.provideService(Supervisor, Supervisor.of({ ...supervisor, entries: [entry] })),
        Effect.provideService(IntentHost, intentHost)
      )
      runners.set(entry.id, runner)
    }
    const attached = (hook: string) => supervisor.entries.filter((entry) => entry.hooks.includes(hook)).map((entry) => entry.id)
    return ExecutorChains.of({
      attached,
      run: (executorId, hook, payload, options) => {
        const runner = runners.get(executorId)
        const entry = supervisor.entries.find((candidate) => candidate.id === executorId)
        if (runner === undefined || entry === undefined || !entry.hooks.includes(hook)) {
          return Effect.fail(new ExecutorNotAttached({ executor_id: executorId, hook, attached: attached(hook) }))
        }
        return runner.runHook(hook, payload, options)
      }
    })
  })

/** The service with the provider-side capabilities (`inquirium.request`, `workspace.stage`). */
export const layer: Layer.Layer<
  ExecutorChains,
  never,
  HookRegistry | ModuleClient | TraceStore | Supervisor | InquiriumRequest | WorkspaceStage
> = Layer.effect(
  ExecutorChains,
  Effect.gen(function*() {
    const inquirium = yield* InquiriumRequest
    const stage = yield* WorkspaceStage
    return yield* make([inquirium, stage])
  })
)
