/** `ledger-account.v1`: a settlement container owned by a subject (SETTLEMENT.md §1.7). */
import { Schema } from "effect"
import { DateTimeText, Id, issue, MinorUnits, opt, Orc, PolicyAnnotations, SchemaVersion } from "./Common.js"

/** What an account is for. */
export const AccountPurpose = Schema.Literal("participant-settlement", "pod-user-settlement", "org-settlement", "community-pool")
/** An account purpose. */
export type AccountPurpose = typeof AccountPurpose.Type

/** Who owns an account. */
export const OwnerKind = Schema.Literal("participant", "pod-user", "org")
/** An owner kind. */
export type OwnerKind = typeof OwnerKind.Type

const DID_KEY = /^did:key:z[1-9A-HJ-NP-Za-km-z]+$/

/** `ledger-account.v1`, with the owner-id pattern per kind and the community-pool control rule. */
export const LedgerAccount = Schema.Struct({
  "schema/v": SchemaVersion,
  "account/id": Id,
  "account/purpose": AccountPurpose,
  "owner/kind": OwnerKind,
  "owner/id": Id,
  "federation/id": Id,
  "unit": Orc,
  "status": Schema.Literal("active", "suspended", "closed"),
  "available/balance": opt(MinorUnits),
  "held/balance": opt(MinorUnits),
  "created-at": DateTimeText,
  "closed-at": opt(DateTimeText),
  "gateway/ref": opt(Id),
  "disbursement/controller-kind": opt(Schema.Literal("owner", "council")),
  "disbursement/controller-id": opt(Id),
  "policy_annotations": opt(PolicyAnnotations)
}).pipe(
  Schema.filter((account) => {
    const problems: Array<Schema.FilterIssue> = []
    const kind = account["owner/kind"]
    const owner = account["owner/id"]
    if (!owner.startsWith(`${kind}:`) || !DID_KEY.test(owner.slice(kind.length + 1))) {
      problems.push(issue("owner/id", `must be ${kind}:did:key:z… for owner/kind ${kind}`))
    }
    if (account["account/purpose"] === "community-pool") {
      if (kind !== "org") problems.push(issue("owner/kind", "a community pool must be owned by an org"))
      if (account["disbursement/controller-kind"] !== "council") {
        problems.push(issue("disbursement/controller-kind", "a community pool must be controlled by a council"))
      }
      const controller = account["disbursement/controller-id"]
      if (controller === undefined || !controller.startsWith("council:") || !DID_KEY.test(controller.slice("council:".length))) {
        problems.push(issue("disbursement/controller-id", "a community pool needs a council:did:key:z… controller"))
      }
    }
    if (account.status === "closed" && account["closed-at"] === undefined) {
      problems.push(issue("closed-at", "is required when the account is closed"))
    }
    return problems
  }),
  Schema.annotations({ identifier: "ledger-account.v1" })
)
/** A decoded account. */
export type LedgerAccount = typeof LedgerAccount.Type
