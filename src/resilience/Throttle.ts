/**
 * `throttle: N/duration`: at most N calls of a module start in any window of that length. Callers over
 * the rate wait for a slot instead of failing. Slots are reserved in arrival order (a sliding-window log),
 * so waiting callers are served first come, first served; a caller interrupted while waiting gives its slot back.
 *
 * The log belongs to the module as a whole: every call site's starts are in it, and a call with rate N/W
 * waits until fewer than N of the module's starts fall within W before its own, so two sites with the
 * same rate share it instead of each getting its own.
 */
import { Clock, Effect, Ref } from "effect"
import type { ThrottleSpec } from "./CallOptions.js"

/** A shared start-rate limit at one rate. */
export interface Throttle {
  /** Waits until this caller may start, then returns. */
  readonly acquire: Effect.Effect<void>
  /** Start times reserved within the current window, for operators. */
  readonly reserved: Effect.Effect<number>
}

/** A module's start log, shared by call sites that may each give their own rate. */
export interface ModuleThrottle {
  /** Waits until a call at `rate` may start, counting every start of the module, then returns. */
  readonly acquire: (rate: ThrottleSpec) => Effect.Effect<void>
  /** Start times reserved within the longest window seen, for operators. */
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

interface Log {
  readonly reserved: ReadonlyArray<number>
  /** The longest window any caller asked for: starts older than that no longer matter to anyone. */
  readonly horizon: number
}

/** Makes an empty start log for one module. */
export const makeModuleThrottle: Effect.Effect<ModuleThrottle> = Effect.map(
  Ref.make<Log>({ reserved: [], horizon: 0 }),
  (ref): ModuleThrottle => {
    const prune = (reserved: ReadonlyArray<number>, nowMs: number, horizon: number) =>
      reserved.filter((at) => at > nowMs - horizon)
    const reserve = (nowMs: number, rate: ThrottleSpec) =>
      Ref.modify(ref, (log): readonly [number, Log] => {
        const horizon = Math.max(log.horizon, rate.windowMillis)
        const live = prune(log.reserved, nowMs, horizon)
        const slot = nextSlot(live, nowMs, rate)
        return [slot, { reserved: [...live, slot].sort((a, b) => a - b), horizon }]
      })
    const release = (slot: number) =>
      Ref.update(ref, (log) => {
        const index = log.reserved.indexOf(slot)
        return index === -1 ? log : { ...log, reserved: [...log.reserved.slice(0, index), ...log.reserved.slice(index + 1)] }
      })
    return {
      acquire: (rate) =>
        Effect.uninterruptibleMask((restore) =>
          Effect.gen(function*() {
            const now = yield* Clock.currentTimeMillis
            const slot = yield* reserve(now, rate)
            if (slot > now) {
              yield* restore(Effect.sleep(slot - now)).pipe(Effect.onInterrupt(() => release(slot)))
            }
          })
        ),
      reserved: Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.map(Ref.get(ref), (log) => prune(log.reserved, now, log.horizon).length))
    }
  }
)

/** Makes a throttle for one rate. */
export const makeThrottle = (rate: ThrottleSpec): Effect.Effect<Throttle> =>
  Effect.map(makeModuleThrottle, (shared): Throttle => ({ acquire: shared.acquire(rate), reserved: shared.reserved }))
