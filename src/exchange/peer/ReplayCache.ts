/**
 * A bounded memory of the nonces seen, each kept until its message could no longer pass the skew
 * check anyway. When full, the entry closest to expiry is evicted and its expiry becomes a floor:
 * a message expiring no later than the floor is refused, so an evicted nonce cannot come back.
 */
import { Clock, Effect } from "effect"

/** Whether the nonce was new (and is now remembered). */
export type ReplayVerdict = "fresh" | "replayed" | "beyond-window"

/** The cache. */
export interface ReplayCache {
  /** Records `key` until `expiresAtMs`; answers whether it was seen before. */
  readonly remember: (key: string, expiresAtMs: number) => Effect.Effect<ReplayVerdict>
  /** Entries currently held. */
  readonly size: Effect.Effect<number>
}

/** A cache holding at most `capacity` nonces, expiring on the Clock. */
export const make = (capacity: number): Effect.Effect<ReplayCache> =>
  Effect.sync(() => {
    const entries = new Map<string, number>()
    let floor = Number.NEGATIVE_INFINITY

    const sweep = (now: number) => {
      for (const [key, expiry] of entries) if (expiry <= now) entries.delete(key)
    }
    const evictOne = () => {
      let oldest: [string, number] | undefined
      for (const entry of entries) if (oldest === undefined || entry[1] < oldest[1]) oldest = entry
      if (oldest === undefined) return
      entries.delete(oldest[0])
      floor = Math.max(floor, oldest[1])
    }

    const remember = (key: string, expiresAtMs: number) =>
      Effect.map(Clock.currentTimeMillis, (now): ReplayVerdict => {
        const seen = entries.get(key)
        if (seen !== undefined && seen > now) return "replayed"
        if (expiresAtMs <= floor) return "beyond-window"
        if (entries.size >= capacity) sweep(now)
        if (entries.size >= capacity) evictOne()
        entries.set(key, expiresAtMs)
        return "fresh"
      })

    return { remember, size: Effect.sync(() => entries.size) }
  })
