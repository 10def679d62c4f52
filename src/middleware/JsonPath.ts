/**
 * Paths into JSON payloads, as the field registry names them (CONTRACTS §2.3 step 3).
 *
 * A concrete path is the list of object keys from the payload root. A pattern is written as
 * dot-separated keys, `*` standing for exactly one key (`offer.pricing.*`); a key that holds a dot,
 * a quote, a bracket, a star or whitespace is quoted as `["a.b"]`. Arrays are replaced whole by a
 * merge patch (RFC 7396), so paths never index into them.
 */
import { Either, Schema } from "effect"

/** The pattern segment that matches exactly one object key (written `*`). */
export const Any: unique symbol = Symbol.for("orbiplex/JsonPath/Any")

/** The type of {@link Any}. */
export type Any = typeof Any

/** One segment of a pattern: a literal key or {@link Any}. */
export type PatternSegment = string | Any

/** A parsed path pattern, with the text it came from (kept for messages). */
export interface PathPattern {
  readonly text: string
  readonly segments: ReadonlyArray<PatternSegment>
}

/** A path pattern that does not parse; raised when config is loaded. */
export class InvalidPathPattern extends Schema.TaggedError<InvalidPathPattern>()("InvalidPathPattern", {
  pattern: Schema.String,
  position: Schema.Number,
  reason: Schema.String
}) {
  override get message(): string {
    return `path pattern ${JSON.stringify(this.pattern)} is invalid at character ${this.position}: ${this.reason}. ` +
      `Write dot-separated keys such as "offer.pricing.*" ("*" matches one key; quote unusual keys as ["a.b"])`
  }
}

// A key written bare must not need quoting; everything else goes through ["..."].
const plainKey = /^[^.[\]"*\s\\]+$/

const isPlainChar = (char: string): boolean => plainKey.test(char)

const quote = (key: string): string => `["${key.replace(/\\/g, "\\\\").replace(/"/g, "\\\"")}"]`

const formatSegments = (segments: ReadonlyArray<PatternSegment>): string => {
  let out = ""
  for (const segment of segments) {
    if (segment === Any) out += out === "" ? "*" : ".*"
    else if (plainKey.test(segment)) out += out === "" ? segment : `.${segment}`
    else out += quote(segment)
  }
  return out
}

/** Renders a concrete path for operators and traces; `parsePath` reads it back. The root is `""`. */
export const format = (path: ReadonlyArray<string>): string => formatSegments(path)

/** Renders a pattern in the syntax `parsePattern` reads. */
export const formatPattern = (segments: ReadonlyArray<PatternSegment>): string => formatSegments(segments)

const fail = (pattern: string, position: number, reason: string) =>
  Either.left(new InvalidPathPattern({ pattern, position, reason }))

// Reads `["..."]` starting at `start` (the `[`); understands only the \" and \\ escapes `quote` writes.
const readQuoted = (
  text: string,
  start: number
): Either.Either<{ readonly key: string; readonly end: number }, InvalidPathPattern> => {
  if (text[start + 1] !== "\"") return fail(text, start + 1, "expected \" after [")
  let key = ""
  let i = start + 2
  while (i < text.length) {
    const char = text[i]
    if (char === "\\") {
      const next = text[i + 1]
      if (next !== "\\" && next !== "\"") return fail(text, i, "only \\\" and \\\\ escapes are allowed in a quoted key")
      key += next
      i += 2
    } else if (char === "\"") {
      if (text[i + 1] !== "]") return fail(text, i + 1, "expected ] after the closing quote")
      return Either.right({ key, end: i + 2 })
    } else {
      key += char
      i += 1
    }
  }
  return fail(text, text.length, "unterminated quoted key")
}

/**
 * Parses a pattern (`offer.pricing.*`, `response.content`, `a["b.c"]`); `*` is a wildcard for one key.
 * With `wildcards: false` a `*` is refused, for reading concrete paths.
 */
const parse = (text: string, wildcards: boolean): Either.Either<PathPattern, InvalidPathPattern> => {
  if (text.length === 0) return fail(text, 0, "the pattern is empty")
  const segments: Array<PatternSegment> = []
  let i = 0
  while (i < text.length) {
    if (i > 0) {
      // After a segment: a dot, or a quoted key glued to it (`a["b"]`).
      if (text[i] === ".") {
        i += 1
        if (i >= text.length) return fail(text, i, "a key is missing after the last dot")
      } else if (text[i] !== "[") return fail(text, i, `unexpected ${JSON.stringify(text[i])}; expected "." or "["`)
    }
    const char = text[i]
    if (char === "[") {
      const quoted = readQuoted(text, i)
      if (Either.isLeft(quoted)) return Either.left(quoted.left)
      segments.push(quoted.right.key)
      i = quoted.right.end
    } else if (char === "*") {
      if (!wildcards) return fail(text, i, "a concrete path cannot hold \"*\"")
      const next = text[i + 1]
      if (next !== undefined && next !== "." && next !== "[") {
        return fail(text, i + 1, "\"*\" must be a whole key; quote a key that contains a star")
      }
      segments.push(Any)
      i += 1
    } else {
      let j = i
      while (j < text.length && isPlainChar(text[j] ?? ".")) j += 1
      if (j === i) {
        return fail(text, i, char === "." ? "a key is empty (two dots in a row, or a leading dot)" : `unexpected ${JSON.stringify(char)}`)
      }
      segments.push(text.slice(i, j))
      i = j
    }
  }
  return Either.right({ text, segments })
}

/** Parses a path pattern (`offer.pricing.*`); `*` matches exactly one key. */
export const parsePattern = (text: string): Either.Either<PathPattern, InvalidPathPattern> => parse(text, true)

/** Parses a concrete path written by `format` (no wildcards). The empty string is refused: the root has no name. */
export const parsePath = (text: string): Either.Either<ReadonlyArray<string>, InvalidPathPattern> =>
  Either.flatMap(parse(text, false), ({ segments }) => {
    const keys: Array<string> = []
    for (const segment of segments) if (segment !== Any) keys.push(segment)
    return Either.right(keys)
  })

/** A config string that must parse as a path pattern; decoding fails with the parse error's message. */
export const PathPatternString = Schema.String.pipe(
  Schema.filter((text) => Either.match(parsePattern(text), { onLeft: (error) => error.message, onRight: () => true }))
).annotations({ identifier: "PathPattern", description: "a dot path such as \"offer.pricing.*\"" })

/** True when `pattern` matches `path` itself or one of its ancestors: `path` lies at or beneath it. */
export const covers = (pattern: ReadonlyArray<PatternSegment>, path: ReadonlyArray<string>): boolean => {
  if (pattern.length > path.length) return false
  for (let i = 0; i < pattern.length; i++) {
    const segment = pattern[i]
    if (segment !== Any && segment !== path[i]) return false
  }
  return true
}

/**
 * True when `pattern` and `path` agree on every key they both have: either `path` lies at or beneath
 * a match of `pattern`, or a match of `pattern` lies beneath `path`.
 */
export const meets = (pattern: ReadonlyArray<PatternSegment>, path: ReadonlyArray<string>): boolean => {
  const n = pattern.length < path.length ? pattern.length : path.length
  for (let i = 0; i < n; i++) {
    const segment = pattern[i]
    if (segment !== Any && segment !== path[i]) return false
  }
  return true
}

/** True when some path matched by `a` and some path matched by `b` are equal or one lies beneath the other. */
export const patternsMeet = (a: ReadonlyArray<PatternSegment>, b: ReadonlyArray<PatternSegment>): boolean => {
  const n = a.length < b.length ? a.length : b.length
  for (let i = 0; i < n; i++) {
    const x = a[i]
    const y = b[i]
    if (x !== Any && y !== Any && x !== y) return false
  }
  return true
}
