/**
 * What a reload did, as the operator API answers it: apart from the reload itself so that clients of
 * the API load the schema without the config loader and the supervisor.
 */
import { Schema } from "effect"

/** What a reload did, or why it did nothing. */
export class ReloadReport extends Schema.Class<ReloadReport>("ReloadReport")({
  outcome: Schema.Literal("applied", "refused", "unavailable"),
  file: Schema.String,
  added: Schema.Array(Schema.String),
  removed: Schema.Array(Schema.String),
  restarted: Schema.Array(Schema.String),
  unchanged: Schema.Array(Schema.String),
  /** Why it was refused: every problem of the config, or why this node cannot reload. */
  problems: Schema.Array(Schema.String)
}) {
  /** The answer of a node that cannot reload, and why. */
  static unavailable(why: string): ReloadReport {
    return new ReloadReport({ outcome: "unavailable", file: "", added: [], removed: [], restarted: [], unchanged: [], problems: [why] })
  }
}
