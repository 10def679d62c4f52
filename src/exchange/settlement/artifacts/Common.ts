/**
 * Field types shared by the settlement artifacts (SETTLEMENT.md conventions): `schema/v: 1`, RFC 3339
 * timestamps, ORC as integer minor units at scale 2, did:key subject references.
 */
import { ParseResult, Schema } from "effect"

/** `schema/v`: always 1 in this family. */
export const SchemaVersion = Schema.Literal(1)

/** A non-empty string (`minLength: 1`). */
export const Id = Schema.String.pipe(Schema.minLength(1))

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/

/** An RFC 3339 date-time, kept as text (the wire shape). */
export const DateTimeText = Schema.String.pipe(
  Schema.filter((text) => RFC3339.test(text) && !Number.isNaN(Date.parse(text)) || "must be an RFC 3339 date-time such as 2026-03-30T08:00:00Z")
)

/** The internal settlement unit: only ORC in MVP. */
export const Orc = Schema.Literal("ORC")

/** An amount in ORC minor units (`1000` = 10.00 ORC), zero allowed. */
export const MinorUnits = Schema.Int.pipe(Schema.nonNegative(), Schema.lessThanOrEqualTo(Number.MAX_SAFE_INTEGER))

/** A positive amount in ORC minor units. */
export const PositiveMinorUnits = Schema.Int.pipe(Schema.greaterThanOrEqualTo(1), Schema.lessThanOrEqualTo(Number.MAX_SAFE_INTEGER))

const base58 = "[1-9A-HJ-NP-Za-km-z]+"

/** `<prefix>:did:key:z…` for one of `prefixes`. */
export const didKeyRef = (...prefixes: ReadonlyArray<string>) =>
  Schema.String.pipe(Schema.pattern(new RegExp(`^(${prefixes.join("|")}):did:key:z${base58}$`)))

/** A settlement subject: `participant`, `org` or `pod-user` did:key. */
export const SubjectRef = didKeyRef("participant", "org", "pod-user")

/** `node:did:key:z…`. */
export const NodeId = didKeyRef("node")

/** `participant:did:key:z…`. */
export const ParticipantId = didKeyRef("participant")

/** The answer formats a contract and an envelope name. */
export const AnswerFormat = Schema.Literal("plain-text", "markdown", "json", "edn", "mixed")

/** How a contract's outcome is confirmed (SETTLEMENT.md: `manual-review-only` where orbidocs has `no-confirmation`). */
export const ConfirmationMode = Schema.Literal("arbiter-confirmed", "self-confirmed", "manual-review-only")

/** The settlement rails. */
export const SettlementRail = Schema.Literal("external-invoice", "host-ledger", "manual-transfer", "none")

/** Free-form policy annotations every artifact may carry. */
export const PolicyAnnotations = Schema.Record({ key: Schema.String, value: Schema.Unknown })

/** An optional field that is either present with a value or absent (never `undefined`). */
export const opt = <S extends Schema.Schema.All>(schema: S) => Schema.optionalWith(schema, { exact: true })

/** A rule across fields, reported at `path`. */
export const issue = (path: string, message: string): Schema.FilterIssue => ({ path: [path], message })

/**
 * Decoding that keeps unknown keys (these artifacts allow extra keys, and signed bytes cover them)
 * and reports every problem at once.
 */
export const decoder = <A, I>(schema: Schema.Schema<A, I>) =>
  Schema.decodeUnknown(schema, { errors: "all", onExcessProperty: "preserve" })

/** The same, as an Either, for callers outside Effect. */
export const decoderEither = <A, I>(schema: Schema.Schema<A, I>) =>
  Schema.decodeUnknownEither(schema, { errors: "all", onExcessProperty: "preserve" })

/** One line per problem of a failed decode. */
export const problemText = (error: ParseResult.ParseError): string =>
  ParseResult.ArrayFormatter.formatErrorSync(error)
    .map((problem) => `${problem.path.length === 0 ? "(root)" : problem.path.join(".")}: ${problem.message}`)
    .join("; ")
