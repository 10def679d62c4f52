/**
 * The handlers of the `facts` group, over the LifecycleLog.
 */
import { HttpApiBuilder, type HttpApiGroup } from "@effect/platform"
import { Effect, type Layer } from "effect"
import { LifecycleLog } from "../supervisor/LifecycleLog.js"
import { Supervisor } from "../supervisor/Supervisor.js"
import { moduleNotFound } from "./ModulesHandlers.js"
import { OperatorHttpApi } from "./OperatorHttpApi.js"

/** The group's handlers. */
export const layer: Layer.Layer<HttpApiGroup.ApiGroup<"operator", "facts">, never, Supervisor | LifecycleLog> =
  HttpApiBuilder.group(OperatorHttpApi, "facts", (handlers) =>
    Effect.gen(function*() {
      const supervisor = yield* Supervisor
      const log = yield* LifecycleLog
      return handlers.handle("list", ({ urlParams }) =>
        Effect.gen(function*() {
          // An unknown id is an operator's typo: answer 404 with the known ids, not an empty list.
          if (urlParams.module !== undefined) yield* Effect.mapError(supervisor.inspect(urlParams.module), moduleNotFound)
          return { facts: yield* log.history(urlParams.module) }
        }))
    }))
