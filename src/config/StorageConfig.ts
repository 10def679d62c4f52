/**
 * The `storage` config section: where the node keeps its durable state (SQLite at
 * `<data_dir>/node.db` unless `postgres` names the variable holding a PostgreSQL URL) and how long
 * lifecycle facts and chain traces are kept. The URL itself is never in the file: it carries
 * credentials, and config files get committed.
 */
import { Option, ParseResult, Schema } from "effect"
import { parseMillis } from "../contract/DurationString.js"

/** Parses `"7d"`, `"12h"`, `"30min"`-style text to milliseconds (the config's one duration syntax). */
export const parseAge = parseMillis

const AgeString: Schema.Schema<number, string> = Schema.transformOrFail(Schema.String, Schema.NonNegative, {
  strict: true,
  decode: (text, _, ast) =>
    Option.match(parseAge(text), {
      onNone: () =>
        ParseResult.fail(
          new ParseResult.Type(ast, text, `"${text}" is not a duration: write a number and a unit, for example "7d", "12h" or "30min"`)
        ),
      onSome: ParseResult.succeed
    }),
  encode: (millis) => ParseResult.succeed(`${millis}ms`)
})

/** An age: a string such as `"7d"` or `"12h"`, or an integer number of milliseconds. */
export const AgeMillis = Schema.Union(Schema.NonNegativeInt, AgeString).annotations({
  identifier: "Age",
  description: "a duration such as \"7d\", \"12h\" or \"30min\", or integer milliseconds"
})

/** How much of one table to keep: rows older than `max_age` and beyond the newest `max_rows` go. */
export const RetentionRule = Schema.Struct({
  max_age: Schema.optionalWith(AgeMillis, { default: () => 7 * 86_400_000 }),
  max_rows: Schema.optionalWith(Schema.Int.pipe(Schema.positive()), { default: () => 100_000 })
})
/** How much of one table to keep. */
export type RetentionRule = typeof RetentionRule.Type

const defaultRule: RetentionRule = { max_age: 7 * 86_400_000, max_rows: 100_000 }

/** Retention of lifecycle facts and chain traces, and how often it is applied. */
export const RetentionConfig = Schema.Struct({
  facts: Schema.optionalWith(RetentionRule, { default: () => defaultRule }),
  traces: Schema.optionalWith(RetentionRule, { default: () => defaultRule }),
  /** How often the pruner runs. */
  every: Schema.optionalWith(AgeMillis, { default: () => 3_600_000 })
})
/** Retention of facts and traces. */
export type RetentionConfig = typeof RetentionConfig.Type

/** Use PostgreSQL; the URL is read from the environment variable `url_env` when the node starts. */
export const PostgresConfig = Schema.Struct({
  url_env: Schema.optionalWith(Schema.String.pipe(Schema.pattern(/^[A-Za-z_][A-Za-z0-9_]*$/)), {
    default: () => "ORBIPLEX_PG_URL"
  })
})
/** Where the PostgreSQL URL comes from. */
export type PostgresConfig = typeof PostgresConfig.Type

/** The `storage` section. */
export const StorageConfig = Schema.Struct({
  postgres: Schema.optionalWith(PostgresConfig, { exact: true }),
  retention: Schema.optionalWith(RetentionConfig, { default: () => defaultRetention })
})
/** The `storage` section. */
export type StorageConfig = typeof StorageConfig.Type

const defaultRetention: RetentionConfig = { facts: defaultRule, traces: defaultRule, every: 3_600_000 }

/** SQLite under the data folder, a week or 100k rows of facts and traces, pruned hourly. */
export const defaultStorage: StorageConfig = { retention: defaultRetention }
