/**
 * A hook as the chain runner uses it (CONTRACTS §2.3): the decisions it admits, how its payload is
 * checked, what happens when an executor fails, how forbidden mutations are treated, its field
 * registry, its deadline per executor and its bound on intent rounds. `compile` builds one from a
 * built-in definition and/or an operator's config entry and reports every problem with its path.
 */
import { Either, Schema } from "effect"
import type { DecisionKind } from "../contract/Decision.js"
import { formatPath, Problem, problemsOf } from "../contract/Problems.js"
import * as FieldRegistry from "./FieldRegistry.js"
import type { FailurePolicy, HookSpec, MutationPolicy } from "./HookSpec.js"
import { type JsonSchemaDoc, toSchema } from "./JsonSchemaSubset.js"

/** Checks a payload against a hook's payload schema; returns every problem (empty when it matches). */
export type PayloadCheck = (payload: unknown) => ReadonlyArray<Problem>

/** What every hook has, built-in or compiled: its name, what it admits, its policies and limits. */
export interface HookRules {
  readonly name: string
  readonly description: string
  readonly admits: ReadonlyArray<DecisionKind>
  readonly checkPayload: PayloadCheck
  readonly failurePolicy: FailurePolicy
  readonly mutationPolicy: MutationPolicy
  /** Time one executor has for its whole turn (every intent round), in ms. */
  readonly deadlineMs: number
  /** Invocations one executor may have per turn when it keeps asking for a `next_step`. */
  readonly maxRounds: number
}

/** A compiled hook: its rules and its field registry. */
export interface Hook extends HookRules {
  readonly builtin: boolean
  readonly fields: FieldRegistry.FieldRegistry
}

/** What the host knows about a built-in hook before any config. */
export interface BuiltinHook extends HookRules {
  readonly writable: ReadonlyArray<string>
  readonly hostOwned: ReadonlyArray<string>
}

/** Defaults of an operator-declared hook. */
export const OperatorDefaults = {
  failurePolicy: "fail_closed",
  mutationPolicy: "clip",
  deadlineMs: 5_000,
  maxRounds: 8
} as const

/**
 * Validates with `schema`, listing every problem. Only the verdict is used, never the decoded value, so
 * excess keys are allowed and not copied (copying them would more than double the cost per hop).
 */
export const payloadCheckOf = <A, I>(schema: Schema.Schema<A, I>): PayloadCheck => {
  const decode = Schema.decodeUnknownEither(schema, { errors: "all" })
  return (payload) => {
    const result = decode(payload)
    return Either.isLeft(result) ? problemsOf(result.left, ["payload"]) : []
  }
}

/** One problem of a hook spec, with its path inside the spec. */
export interface SpecIssue {
  readonly path: ReadonlyArray<string>
  readonly message: string
}

const fixedForBuiltin = ["description", "admits", "payload_schema"] as const

const admitsObjects = (doc: JsonSchemaDoc): boolean =>
  doc.type === undefined || doc.type === "object" || (Array.isArray(doc.type) && doc.type.includes("object"))

/**
 * Compiles a hook from its built-in definition (if the name is built in) and its config entry (if any).
 * A built-in hook keeps what it admits and its payload schema; config may change its policies, deadline
 * and rounds, add writable paths (checked against host-owned ones) and add host-owned paths.
 */
export const compile = (
  name: string,
  spec: HookSpec | undefined,
  builtin: BuiltinHook | undefined
): Either.Either<Hook, ReadonlyArray<SpecIssue>> => {
  const issues: Array<SpecIssue> = []
  if (builtin !== undefined && spec !== undefined) {
    for (const key of fixedForBuiltin) {
      if (spec[key] !== undefined) {
        issues.push({
          path: [key],
          message: `"${name}" is a built-in hook: its ${key} is fixed by the host; remove it (config may set ` +
            `failure_policy, mutation_policy, deadline_ms, max_rounds, writable, writable_by_module and host_owned), ` +
            `or declare a hook with a new name`
        })
      }
    }
  }
  const admits = builtin?.admits ?? spec?.admits
  if (admits === undefined) {
    issues.push({
      path: ["admits"],
      message: "is missing: list the decisions this hook admits, for example [\"allow\", \"rewrite\", \"reject\"]"
    })
  }
  const failurePolicy = spec?.failure_policy ?? builtin?.failurePolicy ?? OperatorDefaults.failurePolicy
  if (typeof failurePolicy === "object" && admits !== undefined && !admits.includes(failurePolicy.fallback.decision)) {
    issues.push({
      path: ["failure_policy", "fallback", "decision"],
      message: `${JSON.stringify(failurePolicy.fallback.decision)} is not admitted by hook "${name}" ` +
        `(it admits ${admits.map((kind) => JSON.stringify(kind)).join(", ")}): pick one of those`
    })
  }
  let checkPayload: PayloadCheck | undefined = builtin?.checkPayload
  if (builtin === undefined) {
    const doc = spec?.payload_schema ?? { type: "object" as const }
    if (!admitsObjects(doc)) {
      issues.push({
        path: ["payload_schema", "type"],
        message: "a payload is always a JSON object: the payload schema's type must be or include \"object\""
      })
    }
    checkPayload = payloadCheckOf(toSchema(doc))
  }
  const registry = FieldRegistry.fromSpec({
    hook: name,
    writable: [...(builtin?.writable ?? []), ...(spec?.writable ?? [])],
    byModule: spec?.writable_by_module ?? {},
    hostOwned: [...(builtin?.hostOwned ?? []), ...(spec?.host_owned ?? [])]
  })
  if (Either.isLeft(registry)) {
    const error = registry.left
    const byModule = error._tag === "GrantOverlapsHostOwned" && error.overlaps.some((o) => o.module_id !== undefined)
    issues.push({ path: [byModule ? "writable_by_module" : "writable"], message: error.message })
  }
  if (issues.length > 0 || admits === undefined || checkPayload === undefined || Either.isLeft(registry)) {
    return Either.left(issues)
  }
  return Either.right({
    name,
    description: builtin?.description ?? spec?.description ?? `operator-declared hook ${name}`,
    builtin: builtin !== undefined,
    admits,
    checkPayload,
    failurePolicy,
    mutationPolicy: spec?.mutation_policy ?? builtin?.mutationPolicy ?? OperatorDefaults.mutationPolicy,
    deadlineMs: spec?.deadline_ms ?? builtin?.deadlineMs ?? OperatorDefaults.deadlineMs,
    maxRounds: spec?.max_rounds ?? builtin?.maxRounds ?? OperatorDefaults.maxRounds,
    fields: registry.right
  })
}

/** Problems of a spec as config problems under `hooks["<name>"]`. */
export const issuesToProblems = (name: string, issues: ReadonlyArray<SpecIssue>): Array<Problem> =>
  issues.map((issue) =>
    new Problem({ path: formatPath(["hooks", name, ...issue.path]), message: issue.message })
  )

/** Whether a decision ends the chain. */
export const isTerminal = (kind: DecisionKind): kind is "return" | "drop" | "reject" =>
  kind === "return" || kind === "drop" || kind === "reject"
