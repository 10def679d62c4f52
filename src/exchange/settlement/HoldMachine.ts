/**
 * The hold state machine (SETTLEMENT.md §2, the memo's runtime states) as pure functions over a
 * hold's facts: its creation row and its events. The runtime states are exported in the schema's
 * vocabulary: `frozen` as `disputed`, `voided` as `refunded` annotated with `runtime_status`.
 */
import type { HoldStatus, LedgerHold } from "./artifacts/LedgerHold.js"
import type { HoldEventRow, HoldRow } from "./LedgerRows.js"

/** The runtime states of a hold. */
export type HoldState = "active" | "frozen" | "released" | "refunded" | "voided"

/** The states a hold never leaves. */
export const isTerminal = (state: HoldState): boolean => state === "released" || state === "refunded" || state === "voided"

/** A hold with what happened to it. */
export interface HoldFacts {
  readonly hold: HoldRow
  readonly events: ReadonlyArray<HoldEventRow>
}

/** The event of `phase`, if any. */
export const eventOf = (facts: HoldFacts, phase: HoldEventRow["phase"]): HoldEventRow | undefined =>
  facts.events.find((event) => event.phase === phase)

const asState = (text: string): HoldState =>
  text === "released" || text === "refunded" || text === "voided" ? text : "refunded"

/** The current runtime state. */
export const stateOf = (facts: HoldFacts): HoldState => {
  const resolution = eventOf(facts, "resolution")
  if (resolution !== undefined) return asState(resolution.state)
  return eventOf(facts, "dispute") === undefined ? "active" : "frozen"
}

/** Whether the seller's result was admitted before `work-by`. */
export const isDelivered = (facts: HoldFacts): boolean => eventOf(facts, "delivered") !== undefined

/** What a deadline does to an open hold at `now` (ISO text), if anything. */
export type DeadlineStep =
  | { readonly _tag: "Expire"; readonly at: string }
  | { readonly _tag: "AutoRelease"; readonly at: string }

/**
 * The cascade: an undelivered hold is refunded once `work-by` passes (the receipt is `expired`);
 * a delivered, undisputed one is released once `auto-release-after` passes. `accept-by` and
 * `dispute-by` close the payer's windows to reject and to dispute (checked on those actions).
 * Steps are dated at the deadline itself, so a late sweep or a replay records the same facts.
 */
export const deadlineStep = (facts: HoldFacts, now: string): DeadlineStep | undefined => {
  if (stateOf(facts) !== "active") return undefined
  if (!isDelivered(facts)) return now >= facts.hold.work_by ? { _tag: "Expire", at: facts.hold.work_by } : undefined
  return now >= facts.hold.auto_release_after ? { _tag: "AutoRelease", at: facts.hold.auto_release_after } : undefined
}

const exported: Record<HoldState, HoldStatus> = {
  active: "active",
  frozen: "disputed",
  released: "released",
  refunded: "refunded",
  voided: "refunded"
}

/** The hold as `ledger-hold.v1`. */
export const toArtifact = (facts: HoldFacts): LedgerHold => {
  const { hold } = facts
  const state = stateOf(facts)
  const resolution = eventOf(facts, "resolution")
  const dispute = eventOf(facts, "dispute")
  return {
    "schema/v": 1,
    "hold/id": hold.hold_id,
    "contract/id": hold.contract_id,
    ...(hold.question_id === null ? {} : { "question/id": hold.question_id }),
    "payer/account-id": hold.payer_account_id,
    "payee/account-id": hold.payee_account_id,
    "escrow/node-id": hold.escrow_node_id,
    "escrow-policy/ref": hold.escrow_policy_ref,
    "amount": hold.amount,
    "unit": "ORC",
    "status": exported[state],
    "created-at": hold.created_at,
    "work-by": hold.work_by,
    "accept-by": hold.accept_by,
    "dispute-by": hold.dispute_by,
    "auto-release-after": hold.auto_release_after,
    ...(resolution === undefined ? {} : { "resolved-at": resolution.at }),
    ...(state === "released" ? { "released/amount": hold.amount } : {}),
    ...(state === "refunded" || state === "voided" ? { "refunded/amount": hold.amount } : {}),
    ...(dispute?.case_ref == null ? {} : { "dispute/case-ref": dispute.case_ref }),
    ...(resolution?.reason == null ? {} : { "notes": resolution.reason }),
    ...(state === "voided" || state === "frozen" ? { "policy_annotations": { runtime_status: state } } : {})
  }
}
