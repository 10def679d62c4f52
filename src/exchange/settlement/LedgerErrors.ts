/** What the ledger refuses, each with what to do about it. */
import { Schema } from "effect"

/** The store under the ledger failed (disk, connection, constraint). */
export class LedgerUnavailable extends Schema.TaggedError<LedgerUnavailable>()("LedgerUnavailable", {
  operation: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `ledger ${this.operation} failed in the store: ${this.reason} (check the node's database file or connection; nothing was half-applied)`
  }
}

/** The payer cannot cover a hold (a missing account reads as zero): procurement's `settlement-blocked`. */
export class InsufficientFunds extends Schema.TaggedError<InsufficientFunds>()("InsufficientFunds", {
  account_id: Schema.String,
  available: Schema.Number,
  requested: Schema.Number
}) {
  override get message(): string {
    return `account ${this.account_id} has ${this.available} ORC minor units available, ${this.requested} requested: top it up with a gateway receipt first`
  }
}

/** No account, hold or receipt of that id on this ledger. */
export class LedgerNotFound extends Schema.TaggedError<LedgerNotFound>()("LedgerNotFound", {
  kind: Schema.Literal("account", "hold"),
  id: Schema.String
}) {
  override get message(): string {
    return `no ${this.kind} ${this.id} on this ledger (list them with \`orbiplex ledger ${this.kind === "account" ? "balances" : "holds"}\`)`
  }
}

/** A hold transition the state machine or its deadlines do not allow. */
export class HoldTransitionRefused extends Schema.TaggedError<HoldTransitionRefused>()("HoldTransitionRefused", {
  hold_id: Schema.String,
  action: Schema.String,
  state: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `cannot ${this.action} hold ${this.hold_id} (state ${this.state}): ${this.reason}`
  }
}

/** A hold or account definition that cannot be recorded as given (bad deadlines, same id, other terms). */
export class LedgerInputInvalid extends Schema.TaggedError<LedgerInputInvalid>()("LedgerInputInvalid", {
  what: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `${this.what} refused: ${this.reason}`
  }
}

/** A gateway receipt that is not credited: malformed, untrusted, badly signed, or inconsistent. */
export class ReceiptRefused extends Schema.TaggedError<ReceiptRefused>()("ReceiptRefused", {
  receipt_id: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `gateway receipt ${this.receipt_id} not credited: ${this.reason}`
  }
}

/** A receipt id already credited with different content: the second version is refused. */
export class ReceiptConflict extends Schema.TaggedError<ReceiptConflict>()("ReceiptConflict", {
  receipt_id: Schema.String,
  applied_digest: Schema.String,
  offered_digest: Schema.String
}) {
  override get message(): string {
    return `gateway receipt ${this.receipt_id} was already credited with different content ` +
      `(sha256 ${this.applied_digest.slice(0, 12)}…, this one ${this.offered_digest.slice(0, 12)}…): ` +
      "nothing was credited; ask the gateway which version is genuine"
  }
}
