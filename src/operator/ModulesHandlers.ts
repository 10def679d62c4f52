/**
 * The handlers of the `modules` group, over the Supervisor and the LifecycleLog.
 */
import { HttpApiBuilder, type HttpApiGroup } from "@effect/platform"
import { DateTime, Duration, Effect, Layer } from "effect"
import type { ModuleStatus } from "../contract/ModuleStatus.js"
import { LifecycleLog } from "../supervisor/LifecycleLog.js"
import { isServing } from "../contract/LifecycleFact.js"
import { Supervisor } from "../supervisor/Supervisor.js"
import type { UnknownModule } from "../supervisor/SupervisorError.js"
import type { ModuleAction } from "./ModulesApi.js"
import { OperatorHttpApi } from "./OperatorHttpApi.js"
import { ModuleNotFound } from "./OperatorErrors.js"

/** The wire error for a module id the node does not have. */
export const moduleNotFound = (error: UnknownModule): ModuleNotFound =>
  new ModuleNotFound({
    executor_id: error.executor_id,
    known: error.known,
    message: `${error.message}. List them with GET /v1/modules or \`orbiplex status\`.`
  })

/** The group's handlers; `actionTimeout` bounds how long start / restart wait for the module to serve or fail. */
export const layer = (
  actionTimeout: Duration.DurationInput = Duration.seconds(30)
): Layer.Layer<HttpApiGroup.ApiGroup<"operator", "modules">, never, Supervisor | LifecycleLog> =>
  HttpApiBuilder.group(OperatorHttpApi, "modules", (handlers) =>
    Effect.gen(function*() {
      const supervisor = yield* Supervisor
      const log = yield* LifecycleLog

      // Waits for the run an action began: a status that serves or failed, set after the action began.
      const awaitRun = (id: string, startedAt: string): Effect.Effect<ModuleStatus, UnknownModule> =>
        supervisor.awaitStatus(id, (status) =>
          (isServing(status.state) || status.state === "failed") && status.since >= startedAt
        ).pipe(
          Effect.timeoutTo({ duration: actionTimeout, onTimeout: () => supervisor.inspect(id), onSuccess: Effect.succeed }),
          Effect.flatten
        )

      const act = Effect.fn("OperatorApi.act")(function*(id: string, action: ModuleAction) {
        const before = yield* supervisor.inspect(id)
        const startedAt = DateTime.formatIso(yield* DateTime.now)
        if (action === "stop") {
          yield* supervisor.stop(id)
          return yield* supervisor.inspect(id)
        }
        if (action === "start" && isServing(before.state)) return before
        yield* action === "start" ? supervisor.start(id) : supervisor.restart(id)
        return yield* awaitRun(id, startedAt)
      })

      return handlers
        .handle("list", () => Effect.map(supervisor.list, (modules) => ({ modules })))
        .handle("inspect", ({ path }) =>
          Effect.gen(function*() {
            const status = yield* supervisor.inspect(path.id)
            const facts = yield* log.history(path.id)
            return { status, facts }
          }).pipe(Effect.mapError(moduleNotFound)))
        .handle("act", ({ path }) => act(path.id, path.action).pipe(Effect.mapError(moduleNotFound)))
    }))
