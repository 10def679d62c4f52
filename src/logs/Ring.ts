/**
 * A fixed-capacity ring of recent entries: pushing past the capacity drops the oldest. Mutable on
 * purpose (one push per log line; copying an array of a thousand entries per line would not do);
 * only the one dispatcher fiber pushes.
 */

/** A bounded ring. */
export interface Ring<A> {
  readonly push: (value: A) => void
  /** Everything held, oldest first. */
  readonly toArray: () => ReadonlyArray<A>
}

/** An empty ring holding at most `capacity` values. */
export const makeRing = <A>(capacity: number): Ring<A> => {
  const slots: Array<A> = []
  let next = 0
  return {
    push: (value) => {
      if (slots.length < capacity) slots.push(value)
      else slots[next] = value
      next = (next + 1) % capacity
    },
    toArray: () => (slots.length < capacity ? [...slots] : [...slots.slice(next), ...slots.slice(0, next)])
  }
}
