/**
 * The seller's seam for dispatched orders: the peer server hands it a verified dispatch (the
 * sending node already authenticated, the same `request_id` already deduplicated), and polls it for
 * an order's status. The node's desk is SellerOrders (its checks, then `service.execute` through the
 * offer's Dator) over `makeReference`, which runs each taken order in a fiber and keeps its status.
 */
import { Context, Effect, FiberSet, Option, Schema } from "effect"
import type { DispatchRequest, OrderStatus, ServiceOrderResult } from "./PeerMessages.js"

/** The seller will not take the order (`offer-expired`, `queue-saturated`, `offer-seq-mismatch`, …). */
export class DispatchRefused extends Schema.TaggedError<DispatchRefused>()("DispatchRefused", {
  request_id: Schema.String,
  code: Schema.String,
  reason: Schema.String,
  retryable: Schema.Boolean
}) {
  override get message(): string {
    return `the order of request ${this.request_id} was refused (${this.code}): ${this.reason}`
  }
}

/** The seller's desk. */
export class SellerDesk extends Context.Tag("orbiplex/SellerDesk")<SellerDesk, {
  /** Takes a verified dispatch from node `from`; the work runs later. */
  readonly accept: (from: string, dispatch: DispatchRequest) => Effect.Effect<void, DispatchRefused>
  /** Where `from`'s order stands; none when `from` never dispatched it. */
  readonly status: (from: string, requestId: string) => Effect.Effect<Option.Option<OrderStatus>>
}>() {}

/** How the reference desk does the work and hands the result back. */
export interface ReferenceDeskOptions {
  /** Runs the order (the local chain, in a real node). */
  readonly execute: (from: string, dispatch: DispatchRequest) => Effect.Effect<ServiceOrderResult>
  /** Delivers the result to the buyer's `reply/target`; a failure is logged, the buyer polls. */
  readonly deliver: (from: string, dispatch: DispatchRequest, result: ServiceOrderResult) => Effect.Effect<void, unknown>
}

/** An in-memory desk running each order in a fiber of the caller's scope. */
export const makeReference = (options: ReferenceDeskOptions) =>
  Effect.gen(function*() {
    const fibers = yield* FiberSet.make()
    const orders = new Map<string, { readonly from: string; status: OrderStatus }>()
    const keyOf = (from: string, requestId: string) => `${from} ${requestId}`

    const run = (from: string, dispatch: DispatchRequest) =>
      Effect.gen(function*() {
        const entry = orders.get(keyOf(from, dispatch.request_id))
        if (entry === undefined) return
        entry.status = { request_id: dispatch.request_id, status: "running" }
        const result = yield* options.execute(from, dispatch)
        entry.status = { request_id: dispatch.request_id, status: "done", result }
        yield* options.deliver(from, dispatch, result).pipe(
          Effect.catchAll((error) =>
            Effect.logWarning(`delivery of ${dispatch.request_id} to ${from} failed (the buyer can poll): ${String(error)}`))
        )
      })

    return SellerDesk.of({
      accept: (from, dispatch) =>
        Effect.gen(function*() {
          const key = keyOf(from, dispatch.request_id)
          if (orders.has(key)) return
          orders.set(key, { from, status: { request_id: dispatch.request_id, status: "queued" } })
          // The peer server takes a dispatch uninterruptibly (its first answer must be kept), and a fork
          // inherits that: an order's own races (an operator's decision against its deadline) need to interrupt.
          yield* FiberSet.run(fibers, Effect.interruptible(run(from, dispatch)))
        }),
      status: (from, requestId) => Effect.sync(() => Option.map(Option.fromNullable(orders.get(keyOf(from, requestId))), (entry) => entry.status))
    })
  })
