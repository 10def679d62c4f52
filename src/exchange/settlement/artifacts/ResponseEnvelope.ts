/** `response-envelope.v1`: the delivered answer with its provenance (SETTLEMENT.md §1.2). */
import { Schema } from "effect"
import { AnswerFormat, DateTimeText, Id, issue, NodeId, opt, ParticipantId, PolicyAnnotations, SchemaVersion } from "./Common.js"

const Signal = Schema.Number.pipe(Schema.between(0, 1))
const OriginClass = Schema.Literal("node-generated", "node-mediated-human", "human-live")
const AnswerObject = Schema.Record({ key: Schema.String, value: Schema.Unknown }).pipe(
  Schema.filter((object) => Object.keys(object).length >= 1 || "a structured answer needs at least one key")
)

/** `response-envelope.v1`, with the human-participation rule over its origin classes. */
export const ResponseEnvelope = Schema.Struct({
  "schema/v": SchemaVersion,
  "response/id": Id,
  "question/id": Id,
  "room/id": opt(Id),
  // SETTLEMENT.md: `contract/id` may precede the receipt, so unlike orbidocs it does not require `receipt/id`.
  "contract/id": opt(Id),
  "receipt/id": opt(Id),
  "accepted-summary/id": opt(Id),
  "created-at": DateTimeText,
  "source/node-id": NodeId,
  "source/participant-id": ParticipantId,
  "gateway/node-id": opt(Id),
  "answer/content": Schema.Union(Schema.String.pipe(Schema.minLength(1)), AnswerObject),
  "answer/format": AnswerFormat,
  "confidence/signal": Signal,
  "uncertainty/signal": opt(Signal),
  "human-linked-participation": Schema.Boolean,
  "provenance/origin-classes": Schema.NonEmptyArray(OriginClass),
  "policy_annotations": opt(PolicyAnnotations)
}).pipe(
  Schema.filter((envelope) => {
    const classes = envelope["provenance/origin-classes"]
    if (envelope["human-linked-participation"]) {
      return classes.some((origin) => origin !== "node-generated") ||
        issue("provenance/origin-classes", "human-linked participation needs node-mediated-human or human-live")
    }
    return classes.every((origin) => origin === "node-generated") ||
      issue("provenance/origin-classes", "without human-linked participation only node-generated is allowed")
  }),
  Schema.annotations({ identifier: "response-envelope.v1" })
)
/** A decoded envelope. */
export type ResponseEnvelope = typeof ResponseEnvelope.Type
