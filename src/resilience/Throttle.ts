/**
 * `throttle: N/duration`: at most N calls of a module start in any window of that length. Callers over
 * the rate wait for a slot instead of failing. Slots are reserved in arrival order (a sliding-window log),
 * so waiting callers are served first come, first served; a caller interrupted while waiting gives its slot back.
 */
import { Clock, Effect, Ref } from "effect"
import type { ThrottleSpec } from "./CallOptions.js"

/** A shared start-rate limit. */
export interface Throttle {
  /** Waits until this caller may start, then returns. */
  readonly acquire: Effect.Effect<void>
  /** Start times reserved within the current window, for operators. */
  readonly reserved: Effect.Effect<number>
}

/**
 * The earliest start for a new call given the sorted start times already reserved: now, unless N starts
 * already fall within one window before it.
 */
export const nextSlot = (reserved: ReadonlyArray<number>, nowMs: number, rate: ThrottleSpec): number => {
  const nth = reserved[reserved.length - rate.permits]
  return nth === undefined ? nowMs : Math.max(nowMs, nth + rate.windowMillis)
}

/** Makes a throttle for one rate. */
export const makeThrottle = (rate: ThrottleSpec): Effect.Effect<Throttle> =>
  Effect.map(Ref.make<ReadonlyArray<number>>([]), (ref): Throttle => {
    const prune = (reserved: ReadonlyArray<number>, nowMs: number) =>
      reserved.filter((at) => at > nowMs - rate.windowMillis)
    const reserve = (nowMs: number) =>
      Ref.modify(ref, (reserved): readonly [number, ReadonlyArray<number>] => {
        const live = prune(reserved, nowMs)
        const slot = nextSlot(live, nowMs, rate)
        return [slot, [...live, slot].sort((a, b) => a - b)]
      })
    const release = (slot: number) =>
      Ref.update(ref, (reserved) => {
        const index = reserved.indexOf(slot)
        return index === -1 ? reserved : [...reserved.slice(0, index), ...reserved.slice(index + 1)]
      })
    return {
      acquire: Effect.uninterruptibleMask((restore) =>
        Effect.gen(function*() {
          const now = yield* Clock.currentTimeMillis
          const slot = yield* reserve(now)
          if (slot > now) {
            yield* restore(Effect.sleep(slot - now)).pipe(Effect.onInterrupt(() => release(slot)))
          }
        })
      ),
      reserved: Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.map(Ref.get(ref), (reserved) => prune(reserved, now).length))
    }
  })
