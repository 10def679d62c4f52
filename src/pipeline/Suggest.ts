/**
 * "Did you mean" hints for names in pipeline problems.
 */

// Edit distance counting a swap of two neighbouring letters as one edit (the commonest typo).
const distance = (a: string, b: string): number => {
  let beforePrevious: Array<number> = []
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charAt(i - 1) === b.charAt(j - 1) ? 0 : 1
      let best = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost)
      if (i > 1 && j > 1 && a.charAt(i - 1) === b.charAt(j - 2) && a.charAt(i - 2) === b.charAt(j - 1)) {
        best = Math.min(best, (beforePrevious[j - 2] ?? 0) + 1)
      }
      current[j] = best
    }
    beforePrevious = previous
    previous = current
  }
  return previous[b.length] ?? 0
}

/** The closest candidate to a mistyped name, when one is close enough to be a likely typo. */
export const closest = (name: string, candidates: Iterable<string>): string | undefined => {
  let best: string | undefined
  let bestDistance = Infinity
  for (const candidate of candidates) {
    const d = candidate.toLowerCase() === name.toLowerCase() ? 0 : distance(name, candidate)
    if (d < bestDistance) {
      best = candidate
      bestDistance = d
    }
  }
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(name.length / 3)) ? best : undefined
}

/** ` Did you mean "x"?` or `""`, to append to a message. */
export const didYouMean = (name: string, candidates: Iterable<string>): string => {
  const match = closest(name, candidates)
  return match === undefined ? "" : ` Did you mean "${match}"?`
}

/** A short list of names for a message, e.g. `"a", "b", "c"` or `none`. */
export const listNames = (names: ReadonlyArray<string>, max: number = 8): string =>
  names.length === 0
    ? "none"
    : names.slice(0, max).map((n) => JSON.stringify(n)).join(", ") + (names.length > max ? `, … (${names.length} in all)` : "")
