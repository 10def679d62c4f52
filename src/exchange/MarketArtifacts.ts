/**
 * Signing domains and verification of the marketplace artifacts (SETTLEMENT.md decision 3, §5):
 * offers are signed by their provider participant, orders by their buyer participant (or the
 * custodian operator of an org), Ed25519 over `<domain> 0x00 ‖ deterministic CBOR`. The signer's
 * key is inside its did:key id, so nothing is fetched. A refusal names one reason a person (or
 * Arca, by `reason`) can act on: the schema, a tampered body, an expired or withdrawn offer, an
 * older sequence, an order against another sequence.
 */
import { Either, Schema } from "effect"
import { verify } from "./settlement/ArtifactSignature.js"
import { decoderEither, problemText } from "./settlement/artifacts/Common.js"
import { ServiceOffer } from "./settlement/artifacts/ServiceOffer.js"
import { ServiceOrder } from "./settlement/artifacts/ServiceOrder.js"

/** The domain separator of `service-offer.v1` signatures (the gateway receipts' pattern). */
export const OFFER_DOMAIN = "orbiplex-service-offer-v1"
/** The domain separator of `service-order.v1` signatures. */
export const ORDER_DOMAIN = "orbiplex-service-order-v1"

/** Why an artifact is refused. */
export class ArtifactRefused extends Schema.TaggedError<ArtifactRefused>()("ArtifactRefused", {
  artifact: Schema.String,
  id: Schema.String,
  reason: Schema.Literal("schema-invalid", "signature-invalid", "offer-expired", "offer-withdrawn", "out-of-sequence", "offer-seq-mismatch", "provider-mismatch"),
  detail: Schema.String
}) {
  override get message(): string {
    return `${this.artifact} ${this.id} refused (${this.reason}): ${this.detail}`
  }
}

const idOf = (document: unknown, key: string): string => {
  if (typeof document === "object" && document !== null && key in document) {
    const value: unknown = Reflect.get(document, key)
    if (typeof value === "string") return value
  }
  return "(no id)"
}

const asRecord = (document: unknown): Readonly<Record<string, unknown>> =>
  typeof document === "object" && document !== null && !Array.isArray(document) ? Object.fromEntries(Object.entries(document)) : {}

/** What an offer is checked against. */
export interface OfferCheck {
  /** Now, epoch milliseconds (the host's clock). */
  readonly now: number
  /** The highest sequence admitted for this offer id so far, if any. */
  readonly admittedSequence?: number
}

/** Verifies a signed `service-offer.v1`: schema, provider signature, expiry, status, sequence. */
export const verifyOffer = (document: unknown, check: OfferCheck): Either.Either<ServiceOffer, ArtifactRefused> => {
  const id = idOf(document, "offer/id")
  const refuse = (reason: ArtifactRefused["reason"], detail: string) => Either.left(new ArtifactRefused({ artifact: "service-offer.v1", id, reason, detail }))
  const decoded = decoderEither(ServiceOffer)(document)
  if (Either.isLeft(decoded)) return refuse("schema-invalid", problemText(decoded.left))
  const offer = decoded.right
  const signer = offer["provider/participant-id"]
  const wrong = verify(OFFER_DOMAIN, asRecord(document), signer, offer.signature)
  if (wrong !== undefined) return refuse("signature-invalid", `${wrong} (the offer was changed after ${signer} signed it, or signed by someone else)`)
  if (check.admittedSequence !== undefined && offer["sequence/no"] <= check.admittedSequence) {
    return refuse("out-of-sequence", `sequence ${offer["sequence/no"]} is not above the admitted ${check.admittedSequence}; a provider bumps sequence/no on every change`)
  }
  if (offer["offer/status"] === "withdrawn") return refuse("offer-withdrawn", `withdrawn by ${signer} at sequence ${offer["sequence/no"]}`)
  if (Date.parse(offer["expires-at"]) <= check.now) {
    return refuse("offer-expired", `expired at ${offer["expires-at"]}; the provider must publish a new sequence`)
  }
  return Either.right(offer)
}

/** The participant whose signature an order needs: the buyer, or the custodian operator of an org. */
export const orderSignerOf = (order: ServiceOrder): string =>
  order["buyer/subject-kind"] === "org" ? order["buyer/operator-participant-id"] ?? order["buyer/subject-id"] : order["buyer/subject-id"]

/** Verifies a signed `service-order.v1` against the offer it names (signature, provider, sequence). */
export const verifyOrder = (document: unknown, offer: ServiceOffer): Either.Either<ServiceOrder, ArtifactRefused> => {
  const id = idOf(document, "order/id")
  const refuse = (reason: ArtifactRefused["reason"], detail: string) => Either.left(new ArtifactRefused({ artifact: "service-order.v1", id, reason, detail }))
  const decoded = decoderEither(ServiceOrder)(document)
  if (Either.isLeft(decoded)) return refuse("schema-invalid", problemText(decoded.left))
  const order = decoded.right
  const signer = orderSignerOf(order)
  const wrong = verify(ORDER_DOMAIN, asRecord(document), signer, order.signature)
  if (wrong !== undefined) return refuse("signature-invalid", `${wrong} (the order was changed after ${signer} signed it, or signed by someone else)`)
  if (order["offer/id"] !== offer["offer/id"] || order["provider/participant-id"] !== offer["provider/participant-id"]) {
    return refuse("provider-mismatch", `the order names ${order["offer/id"]} of ${order["provider/participant-id"]}, not ${offer["offer/id"]} of ${offer["provider/participant-id"]}`)
  }
  if (order["offer/seq"] !== offer["sequence/no"]) {
    return refuse("offer-seq-mismatch", `the order was placed against sequence ${order["offer/seq"]}; the offer is at ${offer["sequence/no"]}: re-read the offer and order again`)
  }
  return Either.right(order)
}
