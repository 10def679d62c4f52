/**
 * Hold operations: creation after the balance precheck, the payer's, host's and arbiter's
 * transitions, and the deadline sweep. A resolution and its transfer are recorded together under
 * deterministic ids, so a repeat finds them and at most restores a missing transfer.
 */
import { Clock, Effect, Option } from "effect"
import type { HoldOutcome, NewHold } from "./LedgerModel.js"
import { transferArtifact } from "./LedgerArtifacts.js"
import { iso, type LedgerContext, nowIso } from "./LedgerContext.js"
import { HoldTransitionRefused, InsufficientFunds, LedgerInputInvalid, LedgerNotFound } from "./LedgerErrors.js"
import type { HoldEventRow, HoldRow, TransferRow } from "./LedgerRows.js"
import { deadlineStep, type HoldFacts, isTerminal, stateOf, toArtifact } from "./HoldMachine.js"

/** How a hold leaves `active` (or `frozen`): its new state and who may do it when. */
interface Resolution {
  readonly action: string
  readonly state: "released" | "refunded" | "voided"
  readonly from: ReadonlyArray<"active" | "frozen">
  /** A deadline (ISO text) that must not have passed, with what to do instead. */
  readonly before?: (hold: HoldRow) => { readonly deadline: string; readonly name: string; readonly instead: string }
}

const RELEASE: Resolution = { action: "release", state: "released", from: ["active", "frozen"] }
const REFUND: Resolution = { action: "refund", state: "refunded", from: ["active", "frozen"] }

const TERMS = [
  "hold_id", "contract_id", "question_id", "payer_account_id", "payee_account_id", "escrow_node_id", "escrow_policy_ref",
  "amount", "work_by", "accept_by", "dispute_by", "auto_release_after"
] as const

const sameHold = (row: HoldRow, terms: Omit<HoldRow, "created_at">): boolean => TERMS.every((key) => row[key] === terms[key])

/** The hold operations of `Ledger`. */
export const makeHoldOperations = ({ balanceOf, config, read, st, write }: LedgerContext) => {
  const factsOf = (holdId: string) =>
    Effect.gen(function*() {
      const [hold] = yield* st.hold(holdId)
      if (hold === undefined) return Option.none<HoldFacts>()
      return Option.some<HoldFacts>({ hold, events: yield* st.eventsOf(holdId) })
    })

  const requireFacts = (holdId: string) =>
    Effect.flatMap(factsOf(holdId), Option.match({
      onNone: () => Effect.fail(new LedgerNotFound({ kind: "hold", id: holdId })),
      onSome: Effect.succeed
    }))

  const createHold = (input: NewHold) =>
    write("createHold", Effect.gen(function*() {
      const createdAt = yield* Clock.currentTimeMillis
      const deadlines = [createdAt, input.workBy, input.acceptBy, input.disputeBy, input.autoReleaseAfter]
      if (!Number.isSafeInteger(input.amount) || input.amount < 1) {
        return yield* new LedgerInputInvalid({ what: `hold ${input.holdId}`, reason: `amount ${input.amount} must be a whole number of ORC minor units ≥ 1 (a zero-price order gets no hold)` })
      }
      if (deadlines.some((value, i) => !Number.isFinite(value) || (i > 0 && value < (deadlines[i - 1] ?? 0)))) {
        return yield* new LedgerInputInvalid({ what: `hold ${input.holdId}`, reason: "deadlines must be in order: now ≤ work-by ≤ accept-by ≤ dispute-by ≤ auto-release-after" })
      }
      const terms: Omit<HoldRow, "created_at"> = {
        hold_id: input.holdId,
        contract_id: input.contractId,
        question_id: input.questionId ?? null,
        payer_account_id: input.payerAccountId,
        payee_account_id: input.payeeAccountId,
        escrow_node_id: config.escrowNodeId,
        escrow_policy_ref: input.escrowPolicyRef ?? config.escrowPolicyRef,
        amount: input.amount,
        work_by: iso(input.workBy),
        accept_by: iso(input.acceptBy),
        dispute_by: iso(input.disputeBy),
        auto_release_after: iso(input.autoReleaseAfter)
      }
      const existing = yield* factsOf(input.holdId)
      if (Option.isSome(existing)) {
        // Re-proposing an intent reuses its hold; anything else under the same id is a bug upstream.
        if (sameHold(existing.value.hold, terms)) return toArtifact(existing.value)
        return yield* new LedgerInputInvalid({ what: `hold ${input.holdId}`, reason: "a hold with this id exists with other terms; a new attempt needs a new hold id" })
      }
      const [payee] = yield* st.account(input.payeeAccountId)
      if (payee === undefined) return yield* new LedgerNotFound({ kind: "account", id: input.payeeAccountId })
      yield* st.lockAccount(input.payerAccountId)
      const balance = yield* balanceOf(input.payerAccountId)
      if (balance.available < input.amount) {
        return yield* new InsufficientFunds({ account_id: input.payerAccountId, available: balance.available, requested: input.amount })
      }
      const row: HoldRow = { ...terms, created_at: iso(createdAt) }
      yield* st.insertHold(row)
      return toArtifact({ hold: row, events: [] })
    }))

  const outcomeOf = (hold: HoldRow, transferId: string | null, replayed: boolean) =>
    Effect.gen(function*() {
      const facts: HoldFacts = { hold, events: yield* st.eventsOf(hold.hold_id) }
      const transfer = transferId === null ? Option.none() : Option.fromNullable((yield* st.transfer(transferId))[0])
      return { hold: toArtifact(facts), transfer: Option.map(transfer, transferArtifact), replayed } satisfies HoldOutcome
    })

  // Records a resolution (and its transfer) once; a replay of the same resolution restores a missing transfer only.
  const resolveNow = (facts: HoldFacts, resolution: Resolution, reason: string, at: string) =>
    Effect.gen(function*() {
      const { hold } = facts
      const transfer: TransferRow | null = resolution.state === "voided" ? null : {
        transfer_id: `transfer:${resolution.state === "released" ? "release" : "refund"}:${hold.hold_id}`,
        kind: resolution.state === "released" ? "release" : "refund",
        from_account_id: hold.payer_account_id,
        // A refund goes from the payer to itself, freeing the held amount (SETTLEMENT.md decision 7).
        to_account_id: resolution.state === "released" ? hold.payee_account_id : hold.payer_account_id,
        amount: hold.amount,
        created_at: at,
        hold_id: hold.hold_id,
        contract_id: hold.contract_id,
        gateway_receipt_id: null
      }
      if (transfer !== null) yield* st.insertTransfer(transfer)
      const event: HoldEventRow = {
        hold_id: hold.hold_id, phase: "resolution", state: resolution.state, at, case_ref: null, reason, transfer_id: transfer?.transfer_id ?? null
      }
      yield* st.insertEvent(event)
      return transfer?.transfer_id ?? null
    })

  const resolve = (resolution: Resolution) => (holdId: string, reason: string) =>
    write(resolution.action, Effect.gen(function*() {
      const facts = yield* requireFacts(holdId)
      const state = stateOf(facts)
      const refused = (why: string) => new HoldTransitionRefused({ hold_id: holdId, action: resolution.action, state, reason: why })
      if (state === resolution.state) {
        const done = facts.events.find((event) => event.phase === "resolution")
        const transferId = yield* resolveNow(facts, resolution, done?.reason ?? reason, done?.at ?? (yield* nowIso))
        return yield* outcomeOf(facts.hold, transferId, true)
      }
      if (isTerminal(state)) return yield* refused(`the hold is already ${state}, and holds never leave a terminal state`)
      if (!resolution.from.some((from) => from === state)) return yield* refused(`allowed only from ${resolution.from.join(" or ")}`)
      const now = yield* nowIso
      const window = resolution.before?.(facts.hold)
      if (window !== undefined && now > window.deadline) return yield* refused(`${window.name} passed at ${window.deadline}; ${window.instead}`)
      const transferId = yield* resolveNow(facts, resolution, reason, now)
      return yield* outcomeOf(facts.hold, transferId, false)
    }))


  const mark = (action: string, phase: "delivered" | "dispute", holdId: string, caseRef: string | null) =>
    write(action, Effect.gen(function*() {
      const facts = yield* requireFacts(holdId)
      const state = stateOf(facts)
      const refused = (why: string) => new HoldTransitionRefused({ hold_id: holdId, action, state, reason: why })
      const earlier = facts.events.find((event) => event.phase === phase)
      if (earlier !== undefined) {
        if (phase === "dispute" && earlier.case_ref !== caseRef) return yield* refused(`a dispute is already open as ${earlier.case_ref}`)
        return yield* outcomeOf(facts.hold, null, true)
      }
      if (state !== "active") return yield* refused("allowed only while the hold is active")
      const now = yield* nowIso
      if (phase === "delivered" && now > facts.hold.work_by) {
        return yield* refused(`work-by passed at ${facts.hold.work_by}; the hold expires and is refunded`)
      }
      if (phase === "dispute" && now > facts.hold.dispute_by) {
        return yield* refused(`dispute-by passed at ${facts.hold.dispute_by}; the hold auto-releases`)
      }
      yield* st.insertEvent({ hold_id: holdId, phase, state: phase === "dispute" ? "frozen" : "active", at: now, case_ref: caseRef, reason: null, transfer_id: null })
      return yield* outcomeOf(facts.hold, null, false)
    }))

  const sweep = write("sweep", Effect.gen(function*() {
    const now = yield* nowIso
    const moved: Array<HoldOutcome> = []
    for (const hold of yield* st.openHolds) {
      const facts: HoldFacts = { hold, events: yield* st.eventsOf(hold.hold_id) }
      const step = deadlineStep(facts, now)
      if (step === undefined) continue
      const transferId = step._tag === "Expire"
        ? yield* resolveNow(facts, REFUND, `work-by passed without a delivered result (receipt outcome expired)`, step.at)
        : yield* resolveNow(facts, RELEASE, `no dispute by auto-release-after`, step.at)
      moved.push(yield* outcomeOf(hold, transferId, false))
    }
    return moved
  }))


  const allHolds = Effect.gen(function*() {
    const events = yield* st.events
    return (yield* st.holds).map((hold) => toArtifact({ hold, events: events.filter((event) => event.hold_id === hold.hold_id) }))
  })


  return {
    createHold,
    delivered: (holdId: string) => mark("deliver", "delivered", holdId, null),
    accept: (holdId: string) => resolve({ ...RELEASE, action: "accept", from: ["active"] })(holdId, "accepted by the payer"),
    reject: resolve({
      ...REFUND,
      action: "reject",
      from: ["active"],
      before: (hold) => ({ deadline: hold.accept_by, name: "accept-by", instead: "open a dispute before dispute-by instead" })
    }),
    dispute: (holdId: string, caseRef: string) => mark("dispute", "dispute", holdId, caseRef),
    release: resolve(RELEASE),
    refund: resolve(REFUND),
    voidHold: resolve({ action: "void", state: "voided", from: ["active"] }),
    sweep,
    hold: (holdId: string) => read("hold", Effect.map(factsOf(holdId), Option.map(toArtifact))),
    holds: read("holds", allHolds)
  }
}
