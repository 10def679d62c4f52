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
  h: 3_600_000,
  d: 86_400_000
}

const pattern = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|sec|m|min|h|d)\s*$/

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

const notADuration = (text: string) =>
  `"${text}" is not a duration: write a number and a unit, for example "250ms", "2s", "5min" or "1h", ` +
  `or an integer number of milliseconds`

const decodeText = (text: string, ast: Schema.Schema.Any["ast"]) =>
  Option.match(parseMillis(text), {
    onNone: () => ParseResult.fail(new ParseResult.Type(ast, text, notADuration(text))),
    onSome: ParseResult.succeed
  })

/**
 * A duration decoded to a number of milliseconds: a string with a unit (`"2s"`) or an integer number
 * of milliseconds (`2000`) alike, so every duration of the config reads one way; encodes back to the
 * shortest exact unit.
 */
export const DurationMillis: Schema.Schema<number, string | number> = Schema.transformOrFail(
  Schema.Union(Schema.String, Schema.Number),
  Schema.NonNegative,
  {
    strict: true,
    decode: (input, _, ast) => typeof input === "number" ? ParseResult.succeed(input) : decodeText(input, ast),
    encode: (millis) => ParseResult.succeed(formatMillis(millis))
  }
).annotations({ identifier: "Duration", description: "a duration such as \"250ms\", \"2s\" or \"5min\", or milliseconds" })

/**
 * A `_ms` field: an integer number of milliseconds as before, or a duration string (`"3s"`), decoded
 * to whole milliseconds; encodes back to the integer, so old configs read and write unchanged.
 */
export const MillisField: Schema.Schema<number, string | number> = Schema.transformOrFail(
  Schema.Union(Schema.Number, Schema.String),
  Schema.NonNegativeInt,
  {
    strict: true,
    decode: (input, _, ast) => typeof input === "number" ? ParseResult.succeed(input) : decodeText(input, ast),
    encode: ParseResult.succeed
  }
).annotations({ identifier: "Milliseconds", description: "milliseconds (an integer) or a duration such as \"3s\"" })

/** A `_ms` field that must be longer than zero. */
export const PositiveMillisField: Schema.Schema<number, string | number> = MillisField.pipe(
  Schema.filter((millis) => millis > 0 || "must be longer than 0ms")
)

/** A `_sec` field: an integer number of seconds, or a duration string (`"1min"`) in whole seconds. */
export const PositiveSecondsField: Schema.Schema<number, string | number> = Schema.transformOrFail(
  Schema.Union(Schema.Number, Schema.String),
  Schema.Int.pipe(Schema.positive()),
  {
    strict: true,
    decode: (input, _, ast) =>
      typeof input === "number"
        ? ParseResult.succeed(input)
        : ParseResult.flatMap(decodeText(input, ast), (millis) =>
          millis % 1_000 === 0
            ? ParseResult.succeed(millis / 1_000)
            : ParseResult.fail(new ParseResult.Type(ast, input, `"${input}" is not a whole number of seconds`))),
    encode: ParseResult.succeed
  }
).annotations({ identifier: "Seconds", description: "seconds (an integer) or a duration such as \"1min\"" })

/** Converts decoded milliseconds to an Effect `Duration`. */
export const toDuration = (millis: number): Duration.Duration => Duration.millis(millis)
