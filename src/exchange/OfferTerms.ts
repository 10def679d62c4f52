/**
 * An offer's terms in the orbidocs shape (SETTLEMENT.md decision 4): the mapping from what a Dator
 * shapes (`pricing.unit_kind` `item` | `chars` with `unit_size`, durations in ms, queue settings) to
 * `service-offer.v1`, and the units an order is charged for. `tokens` and `seconds` have no orbidocs
 * equivalent and are refused for exchange offers. A per-character-block price is charged by the
 * measured input: ceil(chars / unit_size) blocks.
 */
import { Either } from "effect"
import { isJsonObject, type Json, type JsonObject } from "../contract/Json.js"
import type { StoredOffer } from "../store/OfferRepo.js"
import type { UnitKind } from "./settlement/artifacts/ServiceOffer.js"

/** The terms procurement needs beyond price and currency. */
export interface OfferTerms {
  readonly unitKind: UnitKind
  /** Characters per block for `per-character-block`, else 1. */
  readonly unitSize: number
  readonly unitLabel: string
  readonly autoAccept: boolean
  readonly maxDurationSec: number
  readonly maxDepth: number
  readonly hybrid: boolean
  readonly modelFirst: boolean
  readonly description: string
}

const DEFAULT_MAX_DURATION_SEC = 600

const objectAt = (value: Json | undefined): JsonObject => (isJsonObject(value) ? value : {})
const intAt = (value: Json | undefined): number | undefined => (typeof value === "number" && Number.isSafeInteger(value) ? value : undefined)

/** The offer's terms, or why it cannot be an exchange offer. */
export const termsOf = (offer: StoredOffer): Either.Either<OfferTerms, string> => {
  const document = offer.document
  const pricing = objectAt(document["pricing"])
  const kind = pricing["unit_kind"] ?? "item"
  const size = Math.max(1, intAt(pricing["unit_size"]) ?? 1)
  if (kind !== "item" && kind !== "chars") {
    return Either.left(`pricing.unit_kind ${JSON.stringify(kind)} has no service-offer.v1 equivalent; exchange offers price per item or per characters`)
  }
  const delivery = objectAt(document["delivery"])
  const durationMs = intAt(delivery["max_duration_ms"])
  const queue = objectAt(document["queue"])
  const hybrid = document["hybrid"] === true
  return Either.right({
    unitKind: kind === "chars" ? "per-character-block" : "per-item",
    unitSize: kind === "chars" ? size : 1,
    unitLabel: kind === "chars" ? `${size} input characters` : "1 item",
    autoAccept: queue["auto_accept"] !== false,
    maxDurationSec: durationMs === undefined ? DEFAULT_MAX_DURATION_SEC : Math.max(1, Math.ceil(durationMs / 1_000)),
    maxDepth: offer.max_depth ?? intAt(queue["max_depth"]) ?? 1,
    hybrid,
    modelFirst: hybrid && document["model_first"] === true,
    description: typeof document["description"] === "string" && document["description"].length > 0
      ? document["description"]
      : `${offer.service_type} by ${offer.provider_id}`
  })
}

/** Characters of an order's input: every string counted, keys excluded (as Dator counts them). */
export const inputChars = (value: Json | undefined): number => {
  if (typeof value === "string") return [...value].length
  if (Array.isArray(value)) return value.reduce<number>((sum, item) => sum + inputChars(item), 0)
  if (isJsonObject(value)) return Object.values(value).reduce<number>((sum, item) => sum + inputChars(item), 0)
  return 0
}

/** The units an order is charged for: its own count per item, measured blocks per characters. */
export const unitsOf = (terms: OfferTerms, requested: number, input: Json): number =>
  terms.unitKind === "per-character-block" ? Math.max(1, Math.ceil(inputChars(input) / terms.unitSize)) : requested

/** The offer as unsigned `service-offer.v1` (the provider participant signs it). */
export const projectOffer = (
  offer: StoredOffer,
  terms: OfferTerms,
  ids: { readonly nodeId: string; readonly participantId: string; readonly currentDepth: number }
): Record<string, Json> => {
  const constraints = objectAt(offer.document["constraints"])
  const issued = new Date(offer.issued_at_ms).toISOString()
  return {
    "schema/v": 1,
    "offer/id": offer.offer_id,
    "offer/status": "active",
    "created-at": issued,
    "published-at": issued,
    "expires-at": new Date(offer.expires_at_ms).toISOString(),
    "sequence/no": offer.sequence,
    "provider/node-id": ids.nodeId,
    "provider/participant-id": ids.participantId,
    "service/type": offer.service_type,
    "service/description": terms.description,
    "pricing/amount": offer.amount,
    "pricing/currency": offer.currency,
    "pricing/unit": terms.unitLabel,
    "pricing/unit-kind": terms.unitKind,
    "delivery/max-duration-sec": terms.maxDurationSec,
    "queue/auto-accept": terms.autoAccept,
    "queue/max-depth": terms.maxDepth,
    "queue/current-depth": ids.currentDepth,
    ...(isJsonObject(constraints["input"]) ? { "constraints/input": constraints["input"] } : {}),
    ...(isJsonObject(constraints["output"]) ? { "constraints/output": constraints["output"] } : {}),
    "hybrid": terms.hybrid,
    "model-first": terms.modelFirst
  }
}
