/**
 * The host's offer catalog (docs/modules.md §2.2): standing `service-offer.v1` offers of this node's
 * providers, shaped by their Dator on `service.publish` and then completed and signed by the host.
 * The host owns an offer's identity (offer id, provider, node, participant), its sequence, its
 * timestamps, its expiry and its signature: whatever the module proposed for those is replaced here
 * before signing (the field registry has already clipped such writes). Offers expire; a lookup
 * still finds an expired offer so procurement can say `offer-expired` rather than "not found".
 * Sequence numbers come from the store (`OfferRepo.nextSequence`), so they keep growing across
 * restarts of the node (peers drop an offer whose sequence went backwards); every signed offer is
 * saved there too. Reads are answered from memory: they are on procurement's path.
 */
import { createHash } from "node:crypto"
import { Clock, Context, Effect, Either, Layer, Option, Schema } from "effect"
import { isJsonObject, type Json, type JsonObject } from "../contract/Json.js"
import { formatProblems, Problem, problemsOf } from "../contract/Problems.js"
import { OfferRepo, type StoredOffer } from "../store/OfferRepo.js"
import type { StoreFailed } from "../store/StoreError.js"
import type { CatalogConfig } from "./ExchangeConfig.js"
import { NodeIdentity, type Signature } from "./NodeIdentity.js"
import { signServiceOffer } from "./OfferSigning.js"
import { ParticipantKeys } from "./ParticipantKeys.js"
import { NotEncodable } from "./settlement/DeterministicCbor.js"

/** The schema version of a published offer. */
export const OFFER_SCHEMA = "service-offer.v1"

/** The provider id of a Dator on this node: `local:<executor id>` (docs/modules.md §4). */
export const providerIdOf = (executorId: string): string => `local:${executorId}`

/**
 * A signed offer in the catalog: what the store keeps of it (`executor_id` is the Dator instance
 * that serves its orders; `amount` the price per unit in minor units; `document` the whole signed
 * `service-offer.v1`), and its orbidocs projection.
 */
export interface CatalogOffer extends StoredOffer {
  /** The offer in the orbidocs shape, signed by its provider participant (when the node has participant keys). */
  readonly service_offer?: JsonObject
}

/** What the host sends `service.publish` before a Dator shapes it. */
export interface OfferDraft {
  readonly executor_id: string
  readonly provider_id: string
  readonly service_type: string
  readonly offer_id: string
  readonly sequence: number
  readonly issued_at_ms: number
  readonly expires_at_ms: number
  /** The draft payload's `offer`. */
  readonly document: JsonObject
}

/** The shaped offer lacks what an order needs (a price), so the host will not sign it. */
export class OfferUnsignable extends Schema.TaggedError<OfferUnsignable>()("OfferUnsignable", {
  offer_id: Schema.String,
  executor_id: Schema.String,
  problems: Schema.Array(Problem)
}) {
  override get message(): string {
    return `the offer ${this.offer_id} shaped by ${this.executor_id} cannot be signed and published; fix the ` +
      `provider profile in the module's "settings" (services[*].price, currency):\n${formatProblems(this.problems)}`
  }
}

const SignableOffer = Schema.Struct({
  pricing: Schema.Struct({ amount: Schema.NonNegativeInt, currency: Schema.NonEmptyTrimmedString }),
  queue: Schema.optionalWith(Schema.Struct({ max_depth: Schema.optionalWith(Schema.Int.pipe(Schema.positive()), { exact: true }) }), {
    exact: true
  }),
  ttl_sec: Schema.optionalWith(Schema.Int.pipe(Schema.positive()), { exact: true })
})
const decodeSignable = Schema.decodeUnknownEither(SignableOffer, { errors: "all" })

/** The offer catalog. */
export class OfferCatalog extends Context.Tag("orbiplex/OfferCatalog")<OfferCatalog, {
  /** `node:<did>` of this node. */
  readonly nodeId: string
  /** `participant:<did>`: the participant this node's providers and buyers act as. */
  readonly participantId: string
  /** A fresh draft (next sequence, issued now, default expiry) for `executorId`'s `serviceType`. */
  readonly draft: (executorId: string, serviceType: string, currentDepth: number) => Effect.Effect<OfferDraft, StoreFailed>
  /** Completes the shaped offer with the draft's host-owned fields, signs it and stores it. */
  readonly accept: (draft: OfferDraft, shaped: JsonObject) => Effect.Effect<CatalogOffer, OfferUnsignable | StoreFailed>
  readonly byId: (offerId: string) => Effect.Effect<Option.Option<CatalogOffer>>
  /** Every offer of a provider, expired ones included. */
  readonly offersOf: (providerId: string) => Effect.Effect<ReadonlyArray<CatalogOffer>>
  /** Every offer, expired ones included. */
  readonly all: Effect.Effect<ReadonlyArray<CatalogOffer>>
  /** Offers not expired now. */
  readonly current: Effect.Effect<ReadonlyArray<CatalogOffer>>
  /** Whether the offer has expired by the clock. */
  readonly isExpired: (offer: CatalogOffer) => Effect.Effect<boolean>
  /** Whether the offer's signature is this node's (or any did:key's) and matches its content. */
  readonly verify: (offer: CatalogOffer) => boolean
}>() {}

const signatureJson = (signature: Signature): JsonObject => ({ alg: signature.alg, signer: signature.signer, value: signature.value })

const isSignature = (value: Json | undefined): value is { readonly alg: "ed25519"; readonly signer: string; readonly value: string } =>
  isJsonObject(value) && value["alg"] === "ed25519" && typeof value["signer"] === "string" && typeof value["value"] === "string"

/** Builds an empty catalog signing with the node's identity. */
export const make = (settings: CatalogConfig) =>
  Effect.gen(function*() {
    const identity = yield* NodeIdentity
    const repo = yield* OfferRepo
    const participants = yield* Effect.serviceOption(ParticipantKeys)
    const nodeId = `node:${identity.did}`
    const participantId = `participant:${identity.did}`
    const offers = new Map<string, CatalogOffer>()
    const offerIdOf = (providerId: string, serviceType: string) =>
      `offer:${createHash("sha256").update(`${identity.did}|${providerId}|${serviceType}`).digest("hex").slice(0, 26)}`

    const draft = (executorId: string, serviceType: string, currentDepth: number) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const providerId = providerIdOf(executorId)
        const offerId = offerIdOf(providerId, serviceType)
        const sequence = yield* repo.nextSequence(offerId)
        const expires = now + settings.offer_ttl
        const document: JsonObject = {
          schema_version: OFFER_SCHEMA,
          offer_id: offerId,
          service_type: serviceType,
          provider_id: providerId,
          participant_id: participantId,
          node_id: nodeId,
          sequence,
          issued_at: new Date(now).toISOString(),
          expires_at: new Date(expires).toISOString(),
          signature: null,
          queue: { current_depth: currentDepth }
        }
        return {
          executor_id: executorId,
          provider_id: providerId,
          service_type: serviceType,
          offer_id: offerId,
          sequence,
          issued_at_ms: now,
          expires_at_ms: expires,
          document
        } satisfies OfferDraft
      })

    const accept = (draft: OfferDraft, shaped: JsonObject) =>
      Effect.gen(function*() {
        const terms = decodeSignable(shaped)
        if (Either.isLeft(terms)) {
          return yield* new OfferUnsignable({
            offer_id: draft.offer_id,
            executor_id: draft.executor_id,
            problems: problemsOf(terms.left, ["offer"])
          })
        }
        const ttl = terms.right.ttl_sec
        const expires = ttl === undefined ? draft.expires_at_ms : draft.issued_at_ms + ttl * 1_000
        const queue = isJsonObject(shaped["queue"]) ? shaped["queue"] : {}
        const draftQueue = isJsonObject(draft.document["queue"]) ? draft.document["queue"] : {}
        const { signature: _dropped, ...content } = shaped
        // Host-owned fields always come from the draft, whatever the module proposed.
        const unsigned: JsonObject = {
          ...content,
          ...draft.document,
          expires_at: new Date(expires).toISOString(),
          queue: { ...queue, current_depth: draftQueue["current_depth"] ?? 0 }
        }
        const { signature: _none, ...body } = unsigned
        const signature = identity.sign(body)
        if (signature instanceof NotEncodable) {
          return yield* new OfferUnsignable({
            offer_id: draft.offer_id,
            executor_id: draft.executor_id,
            problems: [Problem.make({ path: "offer", message: `is not plain JSON (${signature.reason})` })]
          })
        }
        const document: JsonObject = { ...body, signature: signatureJson(signature) }
        let offer: CatalogOffer = {
          offer_id: draft.offer_id,
          provider_id: draft.provider_id,
          executor_id: draft.executor_id,
          service_type: draft.service_type,
          sequence: draft.sequence,
          issued_at_ms: draft.issued_at_ms,
          expires_at_ms: expires,
          amount: terms.right.pricing.amount,
          currency: terms.right.pricing.currency,
          max_depth: terms.right.queue?.max_depth,
          document
        }
        if (Option.isSome(participants)) {
          const depth = draftQueue["current_depth"]
          const serviceOffer = yield* signServiceOffer(participants.value, offer, nodeId, typeof depth === "number" ? depth : 0).pipe(
            Effect.mapError((error) =>
              new OfferUnsignable({ offer_id: draft.offer_id, executor_id: draft.executor_id, problems: [Problem.make({ path: "offer", message: error.message })] }))
          )
          if (serviceOffer !== undefined) offer = { ...offer, service_offer: serviceOffer }
        }
        yield* repo.save(offer)
        const existing = offers.get(offer.offer_id)
        // A slower publication of an older sequence never replaces a newer one.
        if (existing === undefined || existing.sequence <= offer.sequence) offers.set(offer.offer_id, offer)
        return offer
      })

    const isExpired = (offer: CatalogOffer) => Effect.map(Clock.currentTimeMillis, (now) => now >= offer.expires_at_ms)

    return OfferCatalog.of({
      nodeId,
      participantId,
      draft,
      accept,
      byId: (offerId) => Effect.sync(() => Option.fromNullable(offers.get(offerId))),
      offersOf: (providerId) => Effect.sync(() => [...offers.values()].filter((offer) => offer.provider_id === providerId)),
      all: Effect.sync(() => [...offers.values()]),
      current: Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.sync(() => [...offers.values()].filter((offer) => now < offer.expires_at_ms))),
      isExpired,
      verify: (offer) => {
        const signature = offer.document["signature"]
        return isSignature(signature) && identity.verify(offer.document, signature)
      }
    })
  })

/** The catalog as a layer. */
export const layer = (settings: CatalogConfig): Layer.Layer<OfferCatalog, never, NodeIdentity | OfferRepo> =>
  Layer.effect(OfferCatalog, make(settings))
