/** `procurement-contract.v1`: the agreed terms of one paid job (SETTLEMENT.md §1.1). */
import { Schema } from "effect"
import {
  AnswerFormat, ConfirmationMode, DateTimeText, Id, issue, MinorUnits, opt, PolicyAnnotations, SchemaVersion,
  SettlementRail, SubjectRef
} from "./Common.js"

const DEADLINES = ["deadlines/work-by", "deadlines/accept-by", "deadlines/dispute-by", "deadlines/auto-release"] as const

/** The contract's fields, before the cross-field rules. */
export const ProcurementContractFields = Schema.Struct({
  "schema/v": SchemaVersion,
  "contract/id": Id,
  "question/id": Id,
  "room/id": Id,
  "selected-offer/id": Id,
  "created-at": DateTimeText,
  "deadline-at": DateTimeText,
  "asker/node-id": Id,
  "asker/participant-id": Id,
  "asker/pod-user-id": opt(Id),
  "responder/node-id": Id,
  "responder/participant-id": Id,
  "payment/amount": MinorUnits,
  "payment/currency": Schema.String.pipe(Schema.minLength(2), Schema.maxLength(16)),
  "payer/account-ref": opt(SubjectRef),
  "payee/account-ref": opt(SubjectRef),
  "settlement/rail": opt(SettlementRail),
  "escrow/node-id": opt(Id),
  "escrow/hold-ref": opt(Id),
  "escrow-policy/ref": opt(Schema.String.pipe(Schema.pattern(/^escrow-policy:[a-z0-9][a-z0-9:-]*$/))),
  "deadlines/work-by": opt(DateTimeText),
  "deadlines/accept-by": opt(DateTimeText),
  "deadlines/dispute-by": opt(DateTimeText),
  "deadlines/auto-release": opt(DateTimeText),
  "acceptance/answer-format": AnswerFormat,
  "acceptance/min-length": Schema.Int.pipe(Schema.greaterThanOrEqualTo(1)),
  "acceptance/max-length": Schema.Int.pipe(Schema.greaterThanOrEqualTo(1)),
  "acceptance/arbiter-set": opt(Schema.NonEmptyArray(Id)),
  "confirmation/mode": ConfirmationMode,
  "status": Schema.Literal("pending", "settled", "rejected", "expired", "canceled"),
  "transport/encryption-mode": opt(Schema.Literal("none", "recipient-key", "federation-policy")),
  "source/marketplace-refs": opt(Schema.Struct({
    "offer-id": opt(Id),
    "offer-seq": opt(Schema.Int),
    "order-id": opt(Id)
  })),
  "policy_annotations": opt(PolicyAnnotations)
})

/** `procurement-contract.v1`, with its conditional rules (arbiters, host-ledger bindings, all-or-no deadlines). */
export const ProcurementContract = ProcurementContractFields.pipe(
  Schema.filter((contract) => {
    const problems: Array<Schema.FilterIssue> = []
    if (contract["confirmation/mode"] === "arbiter-confirmed" && contract["acceptance/arbiter-set"] === undefined) {
      problems.push(issue("acceptance/arbiter-set", "is required when confirmation/mode is arbiter-confirmed"))
    }
    const present = DEADLINES.filter((key) => contract[key] !== undefined)
    if (present.length > 0 && present.length < DEADLINES.length) {
      for (const key of DEADLINES) if (contract[key] === undefined) problems.push(issue(key, "deadlines come all four or none"))
    }
    if (contract["settlement/rail"] === "host-ledger") {
      for (const key of ["payer/account-ref", "payee/account-ref", "escrow/node-id", "escrow/hold-ref", "escrow-policy/ref", ...DEADLINES] as const) {
        if (contract[key] === undefined) problems.push(issue(key, "is required on the host-ledger rail"))
      }
      if (contract["payment/currency"] !== "ORC") problems.push(issue("payment/currency", "must be ORC on the host-ledger rail"))
    }
    if (contract["acceptance/min-length"] > contract["acceptance/max-length"]) {
      problems.push(issue("acceptance/min-length", "must not exceed acceptance/max-length"))
    }
    return problems
  }),
  Schema.annotations({ identifier: "procurement-contract.v1" })
)
/** A decoded contract. */
export type ProcurementContract = typeof ProcurementContract.Type
