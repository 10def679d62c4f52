/**
 * Column codecs shared by the repositories, so both dialects decode to the same values.
 */
import { Option, ParseResult, Schema } from "effect"
import { Json, JsonObject } from "../contract/Json.js"

/**
 * An integer column. PostgreSQL returns BIGINT as a string (it may exceed 2^53); our values are
 * epoch milliseconds and counters, far below that.
 */
export const DbInt = Schema.Union(Schema.Number, Schema.NumberFromString)

/** A JSON object kept in a TEXT column (one type for both dialects, no JSONB-only operators). */
export const JsonObjectText = Schema.parseJson(JsonObject)

/** Any JSON value kept in a TEXT column. */
export const JsonText = Schema.parseJson(Json)

/** A list of JSON objects kept in a TEXT column. */
export const JsonObjectsText = Schema.parseJson(Schema.Array(JsonObject))

/** A list of strings kept in a TEXT column. */
export const StringsText = Schema.parseJson(Schema.Array(Schema.String))

const decodeJsonText = ParseResult.decodeUnknown(JsonText)
const encodeJsonText = ParseResult.encodeUnknown(JsonText)

/**
 * An optional JSON value in a nullable TEXT column: SQL NULL is "absent", the text `null` is the
 * JSON value null (`OptionFromNullOr` would fold the two together).
 */
export const OptionalJsonText: Schema.Schema<Option.Option<Json>, string | null> = Schema.transformOrFail(
  Schema.NullOr(Schema.String),
  Schema.OptionFromSelf(Json),
  {
    strict: true,
    decode: (text) => text === null ? ParseResult.succeed(Option.none()) : ParseResult.map(decodeJsonText(text), Option.some),
    encode: (value) => Option.isNone(value) ? ParseResult.succeed(null) : encodeJsonText(value.value)
  }
)
