/**
 * The handlers of the `reload` group, over the `ReloadPort` of the process when it has one (an API
 * served without it, as in tests and embeddings, answers `unavailable`).
 */
import { HttpApiBuilder, type HttpApiGroup } from "@effect/platform"
import { Effect, type Layer, Option } from "effect"
import { OperatorHttpApi } from "./OperatorHttpApi.js"
import { ReloadPort } from "./Reload.js"
import { ReloadReport } from "./ReloadReport.js"

const unavailable = ReloadReport.unavailable(
  "this operator API was served without a config to reload (it is `orbiplex start` that offers reload)"
)

/** The group's handlers. */
export const layer: Layer.Layer<HttpApiGroup.ApiGroup<"operator", "reload">> = HttpApiBuilder.group(
  OperatorHttpApi,
  "reload",
  (handlers) =>
    Effect.gen(function*() {
      const port = yield* Effect.serviceOption(ReloadPort)
      return handlers.handle("reload", () => Option.match(port, { onNone: () => Effect.succeed(unavailable), onSome: (found) => found.reload }))
    })
)
