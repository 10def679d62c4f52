/**
 * The ledger's own model: its settings, what callers hand it (accounts, holds) and what its
 * operations answer. Kept apart from the service so the operation files can use it without
 * importing the service that composes them.
 */
import type { Option } from "effect"
import type { AccountPurpose, OwnerKind } from "./artifacts/LedgerAccount.js"
import type { LedgerHold } from "./artifacts/LedgerHold.js"
import type { LedgerTransfer } from "./artifacts/LedgerTransfer.js"
import type { GatewayReceipt } from "./artifacts/GatewayReceipt.js"

/** What the ledger needs to know about its node and federation. */
export interface LedgerConfig {
  readonly federationId: string
  /** The escrow supervisor: this node (`node:did:key:…`). */
  readonly escrowNodeId: string
  /** The policy holds carry unless one is given (`escrow-policy:…`). */
  readonly escrowPolicyRef: string
  /** The community pool: owned by an org, controlled by a council (SETTLEMENT.md decision 9). */
  readonly pool: { readonly accountId: string; readonly ownerId: string; readonly controllerId: string }
  /** Gateways whose receipts are credited (`node:did:key:…`). */
  readonly trustedGateways: ReadonlyArray<string>
}

/** An account to open. */
export interface NewAccount {
  readonly accountId: string
  readonly purpose: AccountPurpose
  readonly ownerKind: OwnerKind
  readonly ownerId: string
  readonly controller?: { readonly kind: "owner" | "council"; readonly id: string }
}

/** A hold to create; deadlines are epoch milliseconds. */
export interface NewHold {
  readonly holdId: string
  readonly contractId: string
  readonly questionId?: string
  readonly payerAccountId: string
  readonly payeeAccountId: string
  readonly amount: number
  readonly workBy: number
  readonly acceptBy: number
  readonly disputeBy: number
  readonly autoReleaseAfter: number
  readonly escrowPolicyRef?: string
}

/** A hold after an action, with the transfer it booked (none for disputes, voids and deliveries). */
export interface HoldOutcome {
  readonly hold: LedgerHold
  readonly transfer: Option.Option<LedgerTransfer>
  /** True when the action had already been recorded and nothing new was written. */
  readonly replayed: boolean
}

/** A credited (or already credited) gateway receipt. */
export interface TopUpOutcome {
  readonly receipt: GatewayReceipt
  readonly transfers: ReadonlyArray<LedgerTransfer>
  /** True when this receipt had been credited before: "already applied", nothing new booked. */
  readonly replayed: boolean
}

/** A credited receipt as stored. */
export interface StoredReceipt {
  readonly receiptId: string
  readonly digest: string
  readonly appliedAt: string
  readonly document: unknown
}
