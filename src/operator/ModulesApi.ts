/**
 * The `modules` group of the operator API: list, inspect, and start / stop / restart one module.
 */
import { HttpApiEndpoint, HttpApiGroup } from "@effect/platform"
import { Schema } from "effect"
import { LifecycleFact } from "../contract/LifecycleFact.js"
import { ModuleStatus } from "../contract/ModuleStatus.js"
import { ModuleNotFound } from "./OperatorErrors.js"

/** `GET /v1/modules/:id`: the status and the module's lifecycle facts, oldest first. */
export const ModuleDetail = Schema.Struct({
  status: ModuleStatus,
  facts: Schema.Array(LifecycleFact)
}).annotations({ identifier: "ModuleDetail" })
/** A module's status and facts. */
export type ModuleDetail = typeof ModuleDetail.Type

/** `GET /v1/modules`. */
export const ModuleList = Schema.Struct({ modules: Schema.Array(ModuleStatus) }).annotations({ identifier: "ModuleList" })

/** The actions `POST /v1/modules/:id/<action>` takes. */
export const ModuleAction = Schema.Literal("start", "stop", "restart")
/** A module action. */
export type ModuleAction = typeof ModuleAction.Type

/** The path of one module. */
export const ModulePath = Schema.Struct({ id: Schema.NonEmptyString })
/** The path of an action on one module. */
export const ActionPath = Schema.Struct({ id: Schema.NonEmptyString, action: ModuleAction })

/** The group: `list`, `inspect`, `act`. */
export class ModulesApi extends HttpApiGroup.make("modules")
  .add(HttpApiEndpoint.get("list", "/v1/modules").addSuccess(ModuleList))
  .add(
    HttpApiEndpoint.get("inspect", "/v1/modules/:id").setPath(ModulePath).addSuccess(ModuleDetail).addError(ModuleNotFound)
  )
  .add(
    HttpApiEndpoint.post("act", "/v1/modules/:id/:action").setPath(ActionPath).addSuccess(ModuleStatus).addError(
      ModuleNotFound
    )
  )
{}
