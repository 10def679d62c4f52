/**
 * One order carried out on the node that sells it: the `service.execute` chain through the offer's
 * Dator, read as completed (with the provider's response), rejected (an order-level refusal the
 * Dator classified) or failed (the chain could not run or ended without a response). Procurement
 * runs it for a local offer; the seller desk runs it for an order another node dispatched.
 */
import { Effect } from "effect"
import { isJsonObject, type Json, type JsonObject } from "../contract/Json.js"
import type { ChainResult } from "../middleware/ChainTrace.js"
import { ExecutorChains } from "./ExecutorChains.js"
import type { Delivery } from "./Settlement.js"

/** The hook an order is executed on. */
export const EXECUTE_HOOK = "service.execute"

/** What the Dator is told about the order (docs/modules.md §3.6 `service.execute` payload). */
export interface ExecuteRequest {
  readonly executorId: string
  readonly order: JsonObject
  readonly input: Json
  readonly depth: number
  readonly maxDepth?: number
  readonly correlationId: string
  /** Milliseconds the chain may take. */
  readonly budgetMs: number
}

/** How an execution ended. */
export type Execution =
  | { readonly _tag: "Completed"; readonly response: JsonObject }
  | { readonly _tag: "Rejected"; readonly reason: string; readonly message: string }
  | { readonly _tag: "Failed"; readonly reason: string }

const lastDiagnostics = (result: ChainResult): JsonObject | undefined => result.trace.executors.at(-1)?.rounds.at(-1)?.diagnostics

/** The Dator's rejection, classified by its diagnostics `code` (else `other-reason`). */
const rejectionOf = (result: ChainResult, executorId: string): Execution => {
  const diagnostics = lastDiagnostics(result)
  const code = diagnostics?.["code"]
  const detail = diagnostics?.["detail"]
  return {
    _tag: "Rejected",
    reason: typeof code === "string" && code.length > 0 ? code : "other-reason",
    message: typeof detail === "string" ? detail : result.reason ?? `${executorId} rejected the order`
  }
}

/** Runs the order's `service.execute` chain and reads its end. */
export const executeOrder = (request: ExecuteRequest): Effect.Effect<Execution, never, ExecutorChains> =>
  Effect.gen(function*() {
    const chains = yield* ExecutorChains
    const payload: JsonObject = {
      order: request.order,
      request: { input: request.input },
      queue: { depth: request.depth, ...(request.maxDepth === undefined ? {} : { max_depth: request.maxDepth }) }
    }
    const ran = yield* Effect.either(chains.run(request.executorId, EXECUTE_HOOK, payload, {
      correlationId: request.correlationId,
      deadlineMs: Math.max(1, request.budgetMs)
    }))
    if (ran._tag === "Left") return { _tag: "Failed", reason: ran.left.message } satisfies Execution
    const result = ran.right
    if (result.outcome === "rejected") return rejectionOf(result, request.executorId)
    if (result.outcome === "failed" || result.outcome === "dropped") {
      return { _tag: "Failed", reason: `the ${EXECUTE_HOOK} chain of ${request.executorId} ${result.outcome}: ${result.reason ?? "no reason given"}` }
    }
    const response = result.payload["response"]
    if (!isJsonObject(response) || response["content"] === undefined) {
      return { _tag: "Failed", reason: `the ${EXECUTE_HOOK} chain of ${request.executorId} ended without a response` }
    }
    return { _tag: "Completed", response }
  })

/** The settlement's view of a provider's response (what admission and the envelope record). */
export const deliveryOf = (response: JsonObject): Delivery => {
  const confidence = response["confidence"]
  return {
    content: response["content"] ?? null,
    format: typeof response["format"] === "string" ? response["format"] : "mixed",
    confidence: typeof confidence === "number" ? confidence : 0,
    human_linked: response["human_linked"] === true
  }
}
