/**
 * Host validation of one decision (CONTRACTS §2.3 steps 1-5), pure: decode, admitted by the hook,
 * the patch held against the field registry (`clip` or `strict`), the patched payload revalidated,
 * and each intent checked for a grant and against its capability's input schema. Executing intents
 * and recording the trace (steps 5-6) are the chain runner's.
 */
import { Either, Option, Schema } from "effect"
import { type DecisionKind, type Intent, MiddlewareDecision } from "../contract/Decision.js"
import { isJsonObject, type Json, type JsonObject } from "../contract/Json.js"
import { formatProblems, type Problem, problemsOf } from "../contract/Problems.js"
import * as FieldRegistry from "./FieldRegistry.js"
import * as JsonPath from "./JsonPath.js"
import type { Hook } from "./Hook.js"
import * as MergePatch from "./MergePatch.js"

/** One part of a patch the host removed, and why. */
export interface ClippedPath {
  readonly path: string
  readonly reason: FieldRegistry.ClipReason
}

/** An intent the host will not run, and why. */
export interface RejectedIntent {
  readonly intent_id: string
  readonly capability: string
  readonly reason: string
}

/** Why a decision was refused. */
export type RejectionKind = "malformed-decision" | "not-admitted" | "forbidden-mutation" | "payload-invalid"

/** A refused decision: nothing of it applies; the envelope stays as it was. */
export interface Rejected {
  readonly _tag: "Rejected"
  readonly kind: RejectionKind
  readonly message: string
  readonly decision: DecisionKind | undefined
  readonly clipped: ReadonlyArray<ClippedPath>
  readonly problems: ReadonlyArray<Problem>
}

/** An accepted decision and what the host will apply. */
export interface Accepted {
  readonly _tag: "Accepted"
  readonly decision: MiddlewareDecision
  /** The payload after the (clipped) patch; the input payload itself when nothing changed. */
  readonly payload: JsonObject
  /** Annotations to merge into the envelope's (none for `defer`). */
  readonly annotations: JsonObject | undefined
  /** Parts of the patch removed under the `clip` policy. */
  readonly clipped: ReadonlyArray<ClippedPath>
  /** Fields of the decision the host ignored because its kind does not use them (`patch` on `allow`). */
  readonly ignored: ReadonlyArray<string>
  /** Intents to run, in the module's order. */
  readonly intents: ReadonlyArray<Intent>
  readonly rejectedIntents: ReadonlyArray<RejectedIntent>
}

/** What one decision is validated against. */
export interface ValidationInput {
  readonly hook: Hook
  readonly executorId: string
  readonly moduleId: string
  /** Capabilities granted to the module in config (§1.1 `grants`). */
  readonly grants: ReadonlyArray<string>
  /** The payload the decision was made on. */
  readonly payload: JsonObject
  readonly decision: MiddlewareDecision
  /** Why an intent cannot run on this host, or `None` (see `IntentHost.check`). */
  readonly checkIntent: (capability: string, input: Json) => Option.Option<string>
}

/** Decision kinds whose patch changes the payload. */
const patching: ReadonlySet<DecisionKind> = new Set(["rewrite", "return"])

const decodeDecision = Schema.decodeUnknownEither(MiddlewareDecision, { errors: "all" })

const rejected = (
  kind: RejectionKind,
  message: string,
  decision: DecisionKind | undefined,
  extra: { readonly clipped?: ReadonlyArray<ClippedPath>; readonly problems?: ReadonlyArray<Problem> } = {}
): Rejected => ({
  _tag: "Rejected",
  kind,
  message,
  decision,
  clipped: extra.clipped ?? [],
  problems: extra.problems ?? []
})

/** Step 1: decodes a module's answer; a malformed one is an executor failure. */
export const decode = (answer: unknown, executorId: string): Either.Either<MiddlewareDecision, Rejected> =>
  Either.mapLeft(decodeDecision(answer), (error) => {
    const problems = problemsOf(error)
    return rejected(
      "malformed-decision",
      `module ${executorId} answered something that is not a valid middleware-decision.v1:\n${formatProblems(problems)}`,
      undefined,
      { problems }
    )
  })

/**
 * Prepares a patch for the field registry. RFC 7396 replaces a non-object value on the way to a
 * nested write with an object, and creates objects on the way to a delete: so a grant of `a.b` alone
 * would let a module replace a string at `a`, or add an empty `a`. Here a permitted delete of something
 * absent (a no-op) is dropped, and a nested write through an existing non-object becomes what it
 * really is, a write at that path, held against the registry there.
 */
const normalize = (
  registry: FieldRegistry.FieldRegistry,
  moduleId: string,
  payload: JsonObject,
  patch: JsonObject,
  target: Json | undefined,
  path: Array<string>,
  clipped: Array<ClippedPath>
): JsonObject | undefined => {
  const out: Record<string, Json> = {}
  let kept = 0
  let changed = false
  for (const key of Object.keys(patch)) {
    const value = patch[key] ?? null
    const current = isJsonObject(target) && Object.hasOwn(target, key) ? target[key] : undefined
    let next: Json | undefined = value
    if (value === null) {
      // A forbidden one stays, for the clip to report (and a strict hook to refuse).
      if (current === undefined && FieldRegistry.check(registry, [...path, key], moduleId, payload) === "allowed") next = undefined
    } else if (isJsonObject(value) && Object.keys(value).length > 0) {
      path.push(key)
      if (current === undefined || isJsonObject(current)) {
        next = normalize(registry, moduleId, payload, value, current, path, clipped)
      } else {
        const reason = FieldRegistry.check(registry, path, moduleId, payload)
        if (reason !== "allowed") {
          clipped.push({ path: JsonPath.format(path), reason })
          next = undefined
        }
      }
      path.pop()
    }
    if (next !== value) changed = true
    if (next !== undefined) {
      MergePatch.setKey(out, key, next)
      kept += 1
    }
  }
  if (!changed) return patch
  return kept === 0 ? undefined : out
}

const describeClipped = (clipped: ReadonlyArray<ClippedPath>): string =>
  clipped.map((c) => `${c.path || "(whole payload)"} (${c.reason})`).join(", ")

const checkIntents = (input: ValidationInput): { intents: Array<Intent>; rejectedIntents: Array<RejectedIntent> } => {
  const intents: Array<Intent> = []
  const rejectedIntents: Array<RejectedIntent> = []
  const seen = new Set<string>()
  for (const intent of input.decision.intents ?? []) {
    const refuse = (reason: string) =>
      rejectedIntents.push({ intent_id: intent.intent_id, capability: intent.capability, reason })
    if (seen.has(intent.intent_id)) {
      refuse(`intent_id ${JSON.stringify(intent.intent_id)} is used twice in one decision: give each intent its own id`)
      continue
    }
    seen.add(intent.intent_id)
    if (!input.grants.includes(intent.capability)) {
      refuse(
        `capability ${JSON.stringify(intent.capability)} is not granted to module ${input.moduleId} ` +
          `(executor ${input.executorId}): an operator grants it in the module's "grants" in the node config`
      )
      continue
    }
    const problem = input.checkIntent(intent.capability, intent.input)
    if (Option.isSome(problem)) {
      refuse(problem.value)
      continue
    }
    intents.push(intent)
  }
  return { intents, rejectedIntents }
}

/** Steps 2-5 for one decoded decision. */
export const validate = (input: ValidationInput): Accepted | Rejected => {
  const { decision, hook } = input
  const kind = decision.decision
  // Step 2: the hook admits only some decisions.
  if (!hook.admits.includes(kind)) {
    return rejected(
      "not-admitted",
      `module ${input.executorId} decided ${JSON.stringify(kind)}, which hook "${hook.name}" does not admit ` +
        `(it admits ${hook.admits.join(", ")})`,
      kind
    )
  }
  const ignored: Array<string> = []
  // `route` chooses an explicit target (§2.2): without one it would pass as a silent `allow`.
  const target = decision.route ?? undefined
  if (kind === "route" && !isJsonObject(target)) {
    return rejected(
      "malformed-decision",
      `module ${input.executorId} decided "route" without a target: field "route" must be a JSON object ` +
        `naming where the passage goes (got ${JSON.stringify(decision.route ?? null)}); answer "allow" to pass it on unchanged`,
      kind
    )
  }
  if (kind !== "route" && target !== undefined) ignored.push("route")
  let payload = input.payload
  let clipped: ReadonlyArray<ClippedPath> = []
  const patch = decision.patch ?? undefined
  if (patch !== undefined && !patching.has(kind)) {
    ignored.push("patch")
  } else if (patch !== undefined) {
    // Step 3: hold the patch against the field registry.
    const replaced: Array<ClippedPath> = []
    const normalized = normalize(hook.fields, input.moduleId, payload, patch, payload, [], replaced) ?? {}
    const result = FieldRegistry.clip(hook.fields, normalized, input.moduleId, payload)
    clipped = [...replaced, ...result.clipped.map((c) => ({ path: c.path, reason: c.reason }))]
    if (clipped.length > 0 && hook.mutationPolicy === "strict") {
      return rejected(
        "forbidden-mutation",
        `module ${input.executorId} proposed writes hook "${hook.name}" does not allow, and the hook is strict ` +
          `so the whole decision is refused: ${describeClipped(clipped)}`,
        kind,
        { clipped }
      )
    }
    const patched = MergePatch.apply(payload, result.allowed)
    if (patched !== payload) {
      if (!isJsonObject(patched)) {
        return rejected("payload-invalid", `the patch of module ${input.executorId} replaced the payload object`, kind, {
          clipped
        })
      }
      // Step 4: the patched payload must still match the hook's payload schema.
      const problems = hook.checkPayload(patched)
      if (problems.length > 0) {
        return rejected(
          "payload-invalid",
          `the patch of module ${input.executorId} leaves a payload hook "${hook.name}" does not accept; ` +
            `the payload stays as it was:\n${formatProblems(problems)}`,
          kind,
          { clipped, problems }
        )
      }
      payload = patched
    }
  }
  let annotations = decision.annotations
  if (kind === "defer" && annotations !== undefined) {
    ignored.push("annotations")
    annotations = undefined
  }
  // Step 5: intents need a grant and an input that fits the capability.
  const { intents, rejectedIntents } = checkIntents(input)
  return { _tag: "Accepted", decision, payload, annotations, clipped, ignored, intents, rejectedIntents }
}
