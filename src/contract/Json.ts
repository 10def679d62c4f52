/**
 * JSON values as they cross the wire. Kept here, at the bottom of the import graph, so every
 * contract schema can name "a JSON object" without importing a higher layer.
 */
import { Schema } from "effect"

/** Any JSON value. */
export type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [key: string]: Json }

/** A JSON object (the shape of payloads, annotations, diagnostics). */
export type JsonObject = { readonly [key: string]: Json }

/** Schema of any JSON value (finite numbers only). */
export const Json: Schema.Schema<Json> = Schema.Union(
  Schema.Null,
  Schema.Boolean,
  Schema.Finite,
  Schema.String,
  Schema.Array(Schema.suspend(() => Json)),
  Schema.Record({ key: Schema.String, value: Schema.suspend(() => Json) })
).annotations({ identifier: "Json" })

/** Schema of a JSON object. */
export const JsonObject: Schema.Schema<JsonObject> = Schema.Record({ key: Schema.String, value: Json }).annotations({
  identifier: "JsonObject",
  description: "a JSON object"
})

/** Narrows an unknown value to a JSON object (arrays and null excluded). */
export const isJsonObject = (value: unknown): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value)
