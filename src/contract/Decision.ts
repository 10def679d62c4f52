/**
 * `middleware-decision.v1`: what a module answers (CONTRACTS §2.2). The module proposes; the host
 * validates every field of this before anything is applied (§2.3).
 */
import { Schema } from "effect"
import { Json, JsonObject } from "./Json.js"

/** Every decision kind a module may propose. */
export const DecisionKind = Schema.Literal("allow", "annotate", "rewrite", "route", "return", "drop", "defer", "reject")
/** A decision kind. */
export type DecisionKind = typeof DecisionKind.Type

/** A request for a host capability (§2.4). */
export const Intent = Schema.Struct({
  intent_id: Schema.NonEmptyTrimmedString,
  capability: Schema.String.pipe(
    Schema.pattern(/^[a-z][a-z0-9_-]*\.[a-z][a-z0-9_-]*$/, {
      message: () => "a capability id \"<area>.<verb>\", for example \"inquirium.request\""
    })
  ),
  input: Json
})

/** A module's decision. */
export const MiddlewareDecision = Schema.Struct({
  schema_version: Schema.Literal("middleware-decision.v1"),
  decision: DecisionKind,
  reason: Schema.optional(Schema.String),
  annotations: Schema.optional(JsonObject),
  patch_strategy: Schema.optional(Schema.Literal("json_merge_patch")),
  patch: Schema.optional(Schema.NullOr(JsonObject)),
  route: Schema.optional(Schema.NullOr(Json)),
  next_step: Schema.optional(Schema.NullOr(Json)),
  diagnostics: Schema.optional(Schema.NullOr(JsonObject)),
  intents: Schema.optional(Schema.Array(Intent))
})

/** A request for a host capability. */
export type Intent = typeof Intent.Type
/** A module's decision (plain JSON). */
export type MiddlewareDecision = typeof MiddlewareDecision.Type
