/**
 * The `facts` group of the operator API: lifecycle facts, of every module or of one.
 */
import { HttpApiEndpoint, HttpApiGroup } from "@effect/platform"
import { Schema } from "effect"
import { LifecycleFact } from "../contract/LifecycleFact.js"
import { ModuleNotFound } from "./OperatorErrors.js"

/** `GET /v1/facts`. */
export const FactList = Schema.Struct({ facts: Schema.Array(LifecycleFact) }).annotations({ identifier: "FactList" })

/** `?module=<executor id>`: only that module's facts. */
export const FactsQuery = Schema.Struct({ module: Schema.optional(Schema.NonEmptyString) })

/** The group: `list`. */
export class FactsApi extends HttpApiGroup.make("facts")
  .add(HttpApiEndpoint.get("list", "/v1/facts").setUrlParams(FactsQuery).addSuccess(FactList).addError(ModuleNotFound))
{}
