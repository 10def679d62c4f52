/**
 * `catalog.publish-offer`: a module (re)publishes one of its own services through the offer
 * publisher (docs/modules.md §2.2).
 */
import { Context, Effect, Layer, Schema } from "effect"
import { isJsonObject } from "../contract/Json.js"
import { OfferPublisher } from "../exchange/OfferPublisher.js"
import { type Capability, CapabilityFailed, make as makeCapability } from "./Capability.js"

/** What a module asks `catalog.publish-offer` for: one of its own services. */
export const PublishOfferInput = Schema.Struct({ service_type: Schema.NonEmptyTrimmedString })

/** What it gets back: the signed offer's identity and lifetime. */
export const PublishOfferOutput = Schema.Struct({
  offer_id: Schema.String,
  provider_id: Schema.String,
  service_type: Schema.String,
  sequence: Schema.Int,
  expires_at: Schema.String,
  signer: Schema.String
})

/** The `catalog.publish-offer` capability service. */
export class CatalogPublishOffer extends Context.Tag("orbiplex/capability/CatalogPublishOffer")<CatalogPublishOffer, Capability>() {}

/**
 * `catalog.publish-offer`: a module (re)publishes one of ITS OWN services; the provider is always
 * `local:<the asking executor>`, never a value the module names.
 */
export const capability: Effect.Effect<Capability, never, OfferPublisher> = Effect.map(OfferPublisher, (publisher) =>
  makeCapability({
      id: "catalog.publish-offer",
      description: "shape (service.publish), sign and publish an offer of the asking provider",
      input: PublishOfferInput,
      output: PublishOfferOutput,
      run: (input, context) =>
        publisher.publish(context.executorId, input.service_type).pipe(
          Effect.map(({ offer }) => {
            const signature = offer.document["signature"]
            return {
              offer_id: offer.offer_id,
              provider_id: offer.provider_id,
              service_type: offer.service_type,
              sequence: offer.sequence,
              expires_at: new Date(offer.expires_at_ms).toISOString(),
              signer: isJsonObject(signature) && typeof signature["signer"] === "string" ? signature["signer"] : ""
            }
          }),
          Effect.mapError((error) => new CapabilityFailed({ capability: "catalog.publish-offer", detail: error.message }))
        )
    }))

/** The capability as a service. */
export const layer: Layer.Layer<CatalogPublishOffer, never, OfferPublisher> = Layer.effect(CatalogPublishOffer, capability)
