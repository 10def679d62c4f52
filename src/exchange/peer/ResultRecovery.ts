/**
 * The buyer's way back to a result whose delivery was lost: poll the seller's
 * `GET /v1/peer/service-orders/{request_id}` on a Schedule until the order is done, then admit the
 * result through the ResultInbox exactly as a delivery would be (a result that did arrive meanwhile
 * reads as `already-present`).
 */
import { Data, Duration, Effect, Option, Schedule } from "effect"
import { PeerClient } from "./PeerClient.js"
import type { PeerCallError, ResultConflict } from "./PeerErrors.js"
import type { OrderStatus } from "./PeerMessages.js"
import { type Admission, ResultInbox, type ResultRefused } from "./ResultInbox.js"

/** The seller does not know the order, or it was not done before the schedule gave up. */
export class ResultNotReady extends Data.TaggedError("ResultNotReady")<{ readonly node_id: string; readonly request_id: string; readonly last: string }> {
  override get message(): string {
    return `no result for ${this.request_id} from ${this.node_id} yet (last seen: ${this.last}); poll again later`
  }
}

/** The default polling: 1 s growing by half each time to at most 30 s, jittered, for up to 10 min. */
export const pollSchedule: Schedule.Schedule<unknown> = Schedule.exponential(Duration.seconds(1), 1.5).pipe(
  Schedule.union(Schedule.spaced(Duration.seconds(30))),
  Schedule.jittered,
  Schedule.upTo(Duration.minutes(10))
)

const isDone = (status: Option.Option<OrderStatus>) => Option.isSome(status) && status.value.status === "done"

/** Polls `nodeId` for `requestId` until done (on `schedule`), then admits the result. */
export const recoverResult = (
  nodeId: string,
  requestId: string,
  schedule: Schedule.Schedule<unknown> = pollSchedule
): Effect.Effect<Admission, PeerCallError | ResultConflict | ResultRefused | ResultNotReady, PeerClient | ResultInbox> =>
  Effect.gen(function*() {
    const client = yield* PeerClient
    const inbox = yield* ResultInbox
    const status = yield* client.orderStatus(nodeId, requestId).pipe(
      // The status itself is the schedule's output, so the last one seen is what comes out.
      Effect.repeat(Schedule.recurUntil(isDone).pipe(Schedule.intersect(schedule), Schedule.passthrough))
    )
    const result = Option.flatMap(status, (s) => Option.fromNullable(s.result))
    if (Option.isNone(result)) {
      return yield* new ResultNotReady({
        node_id: nodeId,
        request_id: requestId,
        last: Option.match(status, { onNone: () => "unknown to the seller", onSome: (s) => s.status })
      })
    }
    return yield* inbox.admit(nodeId, result.value)
  })
