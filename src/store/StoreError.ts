/**
 * Errors of the node store. `StoreUnavailable` stops the node at start (the store cannot be opened
 * or migrated); `StoreFailed` is one operation that did not go through.
 */
import type { SqlError } from "@effect/sql/SqlError"
import { Effect, type ParseResult, Schema } from "effect"

/** The store could not be opened or migrated; nothing was started. */
export class StoreUnavailable extends Schema.TaggedError<StoreUnavailable>()("StoreUnavailable", {
  store: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `cannot open the node store (${this.store}): ${this.reason}`
  }
}

/** One store operation failed (the database refused it, or a stored row no longer decodes). */
export class StoreFailed extends Schema.TaggedError<StoreFailed>()("StoreFailed", {
  operation: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `the node store could not ${this.operation}: ${this.reason}`
  }
}

/** The innermost message of an error chain (driver errors hide the useful part in `cause`). */
export const reasonOf = (error: unknown): string => {
  const parts: Array<string> = []
  let current: unknown = error
  for (let depth = 0; depth < 4 && current !== undefined && current !== null; depth++) {
    if (current instanceof Error || (typeof current === "object" && "message" in current)) {
      const message = "message" in current && typeof current.message === "string" ? current.message : ""
      if (message.length > 0 && !parts.includes(message)) parts.push(message)
      current = "cause" in current ? current.cause : undefined
    } else {
      parts.push(String(current))
      break
    }
  }
  return parts.length === 0 ? "unknown error" : parts.join(": ")
}

/** Maps driver and decoding failures of one operation to `StoreFailed` (one already mapped passes through). */
export const failedAs = (operation: string) =>
<A, R>(effect: Effect.Effect<A, SqlError | ParseResult.ParseError | StoreFailed, R>): Effect.Effect<A, StoreFailed, R> =>
  Effect.mapError(effect, (error) => error._tag === "StoreFailed" ? error : new StoreFailed({ operation, reason: reasonOf(error) }))
