/**
 * Durations as the node config writes them (CONTRACTS §0): `"250ms"`, `"2s"`, `"5min"`, `"1h"`.
 */
import { Duration, Option, ParseResult, Schema } from "effect"

const units: Record<string, number> = {
  ms: 1,
  s: 1_000,
  sec: 1_000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000
}

const pattern = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|sec|m|min|h)\s*$/

/** Parses `"250ms"`-style text to milliseconds, or `None` when it is not a duration. */
export const parseMillis = (text: string): Option.Option<number> => {
  const match = pattern.exec(text)
  if (match === null) return Option.none()
  const [, amount, unit] = match
  const factor = unit === undefined ? undefined : units[unit]
  if (amount === undefined || factor === undefined) return Option.none()
  return Option.some(Math.round(Number(amount) * factor))
}

/** Formats milliseconds the way an operator would write them in config. */
export const formatMillis = (millis: number): string =>
  millis % 3_600_000 === 0 && millis > 0
    ? `${millis / 3_600_000}h`
    : millis % 60_000 === 0 && millis > 0
    ? `${millis / 60_000}min`
    : millis % 1_000 === 0 && millis > 0
    ? `${millis / 1_000}s`
    : `${millis}ms`

/** A duration string decoded to a number of milliseconds; encodes back to the shortest exact unit. */
export const DurationMillis: Schema.Schema<number, string> = Schema.transformOrFail(
  Schema.String,
  Schema.NonNegative,
  {
    strict: true,
    decode: (text, _, ast) =>
      Option.match(parseMillis(text), {
        onNone: () =>
          ParseResult.fail(
            new ParseResult.Type(
              ast,
              text,
              `"${text}" is not a duration: write a number and a unit, for example "250ms", "2s", "5min" or "1h"`
            )
          ),
        onSome: ParseResult.succeed
      }),
    encode: (millis) => ParseResult.succeed(formatMillis(millis))
  }
).annotations({ identifier: "Duration", description: "a duration such as \"250ms\", \"2s\" or \"5min\"" })

/** Converts decoded milliseconds to an Effect `Duration`. */
export const toDuration = (millis: number): Duration.Duration => Duration.millis(millis)
