/**
 * One hook's settings as the config writes them (CONTRACTS §2.3): what it admits, its payload schema,
 * failure and mutation policies, deadlines and writable paths. Kept apart from `HookConfig` (the whole
 * section, checked by compiling each hook) so `Hook` can use these types without importing the section.
 */
import { Schema } from "effect"
import { DecisionKind } from "../contract/Decision.js"
import { JsonObject } from "../contract/Json.js"
import { PathPatternString } from "./JsonPath.js"
import { JsonSchemaSubset } from "./JsonSchemaSubset.js"

const optional = <S extends Schema.Schema.All>(schema: S) => Schema.optionalWith(schema, { exact: true })

/** Decisions a failure may be answered with: none of them changes the payload. */
export const FallbackKind = Schema.Literal("allow", "annotate", "defer", "drop", "reject", "return")

/** The fixed decision of a `fallback` failure policy. */
export const FallbackDecision = Schema.Struct({
  decision: FallbackKind,
  reason: optional(Schema.String),
  annotations: optional(JsonObject)
})
/** The fixed decision of a `fallback` failure policy. */
export type FallbackDecision = typeof FallbackDecision.Type

const failurePolicyText = "\"fail_closed\", \"fail_open\" or {\"fallback\": {\"decision\": \"allow\", \"reason\": \"...\"}}"

/**
 * What the host does when an executor fails (not ready, timed out, answered something invalid, or
 * proposed a decision the host refused): stop the chain as failed, skip the executor, or act as if it
 * had answered a fixed decision.
 */
export const FailurePolicy = Schema.Union(
  Schema.Literal("fail_closed", "fail_open"),
  Schema.Struct({ fallback: FallbackDecision })
).annotations({
  identifier: "FailurePolicy",
  description: failurePolicyText,
  // A wrong string would otherwise also be reported against the object form; an object keeps its own messages.
  message: (issue) => ({
    message: `must be ${failurePolicyText}; got ${JSON.stringify(issue.actual) ?? String(issue.actual)}`,
    override: typeof issue.actual !== "object" || issue.actual === null
  })
})
/** A failure policy. */
export type FailurePolicy = typeof FailurePolicy.Type

/** `clip`: drop the forbidden parts of a patch and apply the rest; `strict`: refuse the whole decision. */
export const MutationPolicy = Schema.Literal("clip", "strict")
/** A mutation policy. */
export type MutationPolicy = typeof MutationPolicy.Type

const hookNamePattern = /^[a-z][a-z0-9_-]*(?:\.[a-z0-9][a-z0-9_-]*)*$/

/** Whether `name` is a valid hook name: lowercase words joined by ".", "-" or "_" (`service.publish`, `inbound-peer`). */
export const isHookName = (name: string): boolean => hookNamePattern.test(name)

const Patterns = Schema.Array(PathPatternString)

/** One hook as the config writes it. */
export const HookSpec = Schema.Struct({
  description: optional(Schema.String),
  admits: optional(
    Schema.NonEmptyArray(DecisionKind).pipe(
      Schema.filter((kinds) => new Set(kinds).size === kinds.length || "lists a decision twice")
    )
  ),
  payload_schema: optional(JsonSchemaSubset),
  failure_policy: optional(FailurePolicy),
  mutation_policy: optional(MutationPolicy),
  deadline_ms: optional(Schema.Int.pipe(Schema.between(1, 3_600_000))),
  max_rounds: optional(Schema.Int.pipe(Schema.between(1, 64))),
  writable: optional(Patterns),
  writable_by_module: optional(Schema.Record({ key: Schema.String, value: Patterns })),
  host_owned: optional(Patterns)
}).annotations({ identifier: "HookSpec" })
/** One hook as the config writes it. */
export type HookSpec = typeof HookSpec.Type
