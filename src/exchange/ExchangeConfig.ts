/**
 * The node config sections of the exchange host side (docs/modules.md §2-§3): `catalog` (offer
 * lifetime, publication at start), `procurement` (the settlement rail) and `workflow` (which
 * executor is Arca, whether provider or price changes are approved, bounds on a run). Every key
 * is optional with a default, so a config without these sections runs the story 006 workflow.
 */
import { Either, Schema } from "effect"
import { DurationMillis } from "../contract/DurationString.js"
import { isJsonObject, type JsonObject } from "../contract/Json.js"
import { type Problem, problemsOf } from "../contract/Problems.js"
import { PeerNodeId } from "../config/PeerConfig.js"

const HOUR = 3_600_000

/** The `catalog` section: how long a published offer stands, and when offers are published. */
export const CatalogConfig = Schema.Struct({
  offer_ttl: Schema.optionalWith(DurationMillis.pipe(Schema.filter((ms) => ms >= 1_000 || "must be at least 1s")), {
    default: () => 12 * HOUR
  }),
  publish_on_start: Schema.optionalWith(Schema.Boolean, { default: () => true }),
  refresh: Schema.optionalWith(Schema.Boolean, { default: () => true })
}).annotations({ identifier: "CatalogConfig" })
/** The decoded `catalog` section. */
export type CatalogConfig = typeof CatalogConfig.Type

/** Whether orders of an offer with auto_accept false wait for the operator (`offer-terms`) or not (`automatic`). */
export const Acceptance = Schema.Literal("offer-terms", "automatic")
/** The acceptance policy. */
export type Acceptance = typeof Acceptance.Type

/** A provider alias served by another node. */
export const ProviderRoute = Schema.Struct({
  node_id: PeerNodeId,
  participant_id: Schema.optionalWith(
    Schema.String.pipe(Schema.pattern(/^participant:did:key:z/, { message: () => "must be a participant id such as \"participant:did:key:z6Mk…\"" })),
    { exact: true }
  )
}).annotations({ identifier: "ProviderRoute" })
/** A provider alias served by another node. */
export type ProviderRoute = typeof ProviderRoute.Type

/** The `procurement` section: acceptance, remote provider aliases and the settlement rail. */
export const ProcurementConfig = Schema.Struct({
  /**
   * `offer-terms` (the default): orders of an offer with auto_accept false wait for the provider's
   * operator (OrderAcceptance) until accepted, refused or expired, as the offer says; `automatic`:
   * this node's operator has accepted them in advance (an explicit choice, never implied).
   */
  acceptance: Schema.optionalWith(Acceptance, { default: () => "offer-terms" as const }),
  /**
   * Where a template's provider alias is served by another node (SETTLEMENT.md decision 2: a
   * `local:<executor>` id is a template alias only), e.g. `{"local:dator-news": {"node_id":
   * "node:did:key:z…"}}`: orders for it go to that peer's offer of the ordered service type (its
   * `participant_id` pins one Dator when the node has several).
   */
  providers: Schema.optionalWith(Schema.Record({ key: Schema.String, value: ProviderRoute }), { default: () => ({}) }),
  settlement: Schema.optionalWith(
    Schema.Struct({
      /** `none`: nothing held; `host-ledger`: holds, transfers and receipts on this node's ledger. */
      rail: Schema.optionalWith(Schema.Literal("none", "host-ledger"), { default: () => "none" as const }),
      /** Gateways (`node:did:key:…`) whose signed receipts top accounts up (this node's key always may). */
      trusted_gateways: Schema.optionalWith(Schema.Array(Schema.String.pipe(Schema.pattern(/^node:did:key:z/))), { exact: true })
    }),
    { default: () => ({ rail: "none" as const }) }
  )
}).annotations({ identifier: "ProcurementConfig" })
/** The decoded `procurement` section. */
export type ProcurementConfig = typeof ProcurementConfig.Type

/** The `workflow` section: the workflow runner's executor and policies. */
export const WorkflowConfig = Schema.Struct({
  /** Arca's executor id; default: the enabled module whose module_id is `orbiplex-arca`. */
  executor: Schema.optionalWith(Schema.NonEmptyTrimmedString, { exact: true }),
  /** Whether a provider or price change Arca proposes may be approved (when the catalog backs it). */
  approve_transitions: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  /** A bound on moves per run, against a module that never ends a run. */
  max_moves: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 1_000_000)), { default: () => 1_000 }),
  /** Invocations of Arca tried for one move (a crash or restart in between) before the run is suspended. */
  invoke_attempts: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 100)), { default: () => 5 }),
  /** Time an intent of a move may take beyond the run's own deadline before it counts as failed. */
  intent_grace: Schema.optionalWith(DurationMillis, { default: () => 5_000 })
}).annotations({ identifier: "WorkflowConfig" })
/** The decoded `workflow` section. */
export type WorkflowConfig = typeof WorkflowConfig.Type

/** The three sections together. */
export const ExchangeSettings = Schema.Struct({
  catalog: Schema.optionalWith(CatalogConfig, { default: () => Schema.decodeSync(CatalogConfig)({}) }),
  procurement: Schema.optionalWith(ProcurementConfig, { default: () => Schema.decodeSync(ProcurementConfig)({}) }),
  workflow: Schema.optionalWith(WorkflowConfig, { default: () => Schema.decodeSync(WorkflowConfig)({}) })
}).annotations({ identifier: "ExchangeSettings" })
/** The decoded sections. */
export type ExchangeSettings = typeof ExchangeSettings.Type

/** Every default. */
export const defaultExchange: ExchangeSettings = Schema.decodeSync(ExchangeSettings)({})

/** The top-level keys of the node config these sections occupy. */
export const sectionKeys: ReadonlySet<string> = new Set(["catalog", "procurement", "workflow"])

const decodeSettings = Schema.decodeUnknownEither(ExchangeSettings, { errors: "all", onExcessProperty: "error" })

/**
 * Splits a parsed node config document into these sections (decoded, every problem listed) and
 * the rest, which `decodeNodeConfig` reads. Until `NodeConfig` declares the sections this lets a
 * config carry them; afterwards it is still correct (the rest simply lacks them).
 */
export const splitDocument = (
  document: unknown
): Either.Either<{ readonly settings: ExchangeSettings; readonly rest: unknown }, ReadonlyArray<Problem>> => {
  if (!isJsonObject(document)) return Either.right({ settings: defaultExchange, rest: document })
  const picked: Record<string, unknown> = {}
  const rest: Record<string, JsonObject[string]> = {}
  for (const [key, value] of Object.entries(document)) {
    if (sectionKeys.has(key)) picked[key] = value
    else rest[key] = value
  }
  return Either.match(decodeSettings(picked), {
    onLeft: (error) => Either.left(problemsOf(error)),
    onRight: (settings) => Either.right({ settings, rest })
  })
}
