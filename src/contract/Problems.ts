/**
 * Decode failures turned into a list of problems a person can act on: the path to the field and
 * what was wrong with its value. Every boundary (config file, wire message, operator request)
 * reports through this, so errors read the same everywhere.
 */
import { Either, ParseResult, Schema } from "effect"

/** One thing wrong with a decoded document. */
export class Problem extends Schema.Class<Problem>("Problem")({
  path: Schema.String,
  message: Schema.String
}) {}

/** Renders a property path as `modules[0].http.endpoint`. */
export const formatPath = (path: ReadonlyArray<PropertyKey>): string =>
  path.reduce<string>((text, key) => {
    if (typeof key === "number") return `${text}[${key}]`
    const name = String(key)
    const plain = /^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(name)
    if (!plain) return `${text}[${JSON.stringify(name)}]`
    return text === "" ? name : `${text}.${name}`
  }, "")

const literalMismatch = /^Expected (".*"|\d+|true|false|null), actual (.*)$/s
const undefinedMismatch = /^Expected undefined, actual /

/**
 * Every problem of a parse error (decode with `{ errors: "all" }` to get them all at once), made
 * readable: the "Expected undefined" noise that optional fields add is dropped where a real problem
 * explains the same field, and a literal union's alternatives are folded into one line.
 */
export const problemsOf = (error: ParseResult.ParseError, prefix: ReadonlyArray<PropertyKey> = []): Array<Problem> => {
  // Effect's formatter prints the offending value recursively: a value nested thousands of levels deep
  // (a hostile or broken peer's JSON) overflows the stack there, so that case gets a problem of its own.
  const formatted = Either.try(() => ParseResult.ArrayFormatter.formatErrorSync(error))
  if (Either.isLeft(formatted)) {
    return [
      new Problem({
        path: formatPath(prefix) || "(document)",
        message: "is nested too deeply to describe (thousands of levels); send JSON nested at most a few hundred levels deep"
      })
    ]
  }
  const raw = formatted.right.map((issue) => ({
    path: formatPath([...prefix, ...issue.path]) || "(document)",
    message: issue._tag === "Missing" ? "is missing: add this field" : issue.message
  }))
  const explained = (path: string) =>
    raw.some((other) =>
      !undefinedMismatch.test(other.message) &&
      (other.path === path || other.path.startsWith(`${path}.`) || other.path.startsWith(`${path}[`))
    )
  const kept = raw.filter((issue) => !(undefinedMismatch.test(issue.message) && explained(issue.path)))
  const folded: Array<Problem> = []
  const alternatives = new Map<string, { readonly options: Array<string>; readonly actual: string; readonly index: number }>()
  for (const issue of kept) {
    const match = literalMismatch.exec(issue.message)
    if (match === null) {
      folded.push(new Problem(issue))
      continue
    }
    const [, expected = "", actual = ""] = match
    const seen = alternatives.get(issue.path)
    if (seen === undefined) {
      alternatives.set(issue.path, { options: [expected], actual, index: folded.length })
      folded.push(new Problem({ path: issue.path, message: `must be ${expected}, got ${actual}` }))
    } else {
      seen.options.push(expected)
      folded[seen.index] = new Problem({
        path: issue.path,
        message: `must be one of ${seen.options.join(", ")}; got ${seen.actual}`
      })
    }
  }
  return folded
}

/** One line per problem, indented, for error messages. */
export const formatProblems = (problems: ReadonlyArray<Problem>): string =>
  problems.map((problem) => `  - ${problem.path}: ${problem.message}`).join("\n")
