/**
 * Publication of this node's offers (docs/modules.md §2.2) and the `catalog.publish-offer`
 * capability. For one service of one Dator instance the host drafts a `service-offer.v1`, runs the
 * `service.publish` chain aimed at that Dator (it shapes pricing, constraints, delivery, queue
 * from its provider profile; policy modules on the hook take their turn, other Dators are passed
 * over: ExecutorChains; the field registry clips anything host-owned), then signs and stores
 * the result in the catalog. At start every configured Dator service is published; while the node
 * runs, offers are published again before they expire. The `catalog.publish-offer` capability over it
 * is in src/capability/CatalogPublishOffer.ts.
 */
import { Clock, Context, Duration, Effect, Either, Layer, Schedule, Schema } from "effect"
import { isJsonObject } from "../contract/Json.js"
import type { ClippedPath } from "../middleware/ChainTrace.js"
import { Supervisor } from "../supervisor/Supervisor.js"
import type { CatalogConfig } from "./ExchangeConfig.js"
import { ExecutorChains } from "./ExecutorChains.js"
import { profileServices } from "./ProviderProfile.js"
import { type CatalogOffer, OfferCatalog } from "./OfferCatalog.js"

/** The hook a Dator shapes offers on. */
export const PUBLISH_HOOK = "service.publish"

/** Publishing one offer failed; nothing was stored. */
export class PublicationFailed extends Schema.TaggedError<PublicationFailed>()("PublicationFailed", {
  executor_id: Schema.String,
  service_type: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `the offer of ${this.executor_id} for "${this.service_type}" was not published: ${this.reason}`
  }
}

/** A published offer and what the host removed from the module's proposal. */
export interface Published {
  readonly offer: CatalogOffer
  readonly clipped: ReadonlyArray<ClippedPath>
  /** The chain trace's causality id (TraceStore.byCausality). */
  readonly causality_id: string
}

/** The outcome of publishing every configured service. */
export interface PublicationReport {
  readonly published: ReadonlyArray<Published>
  readonly failed: ReadonlyArray<PublicationFailed>
}

/** The publisher. */
export class OfferPublisher extends Context.Tag("orbiplex/OfferPublisher")<OfferPublisher, {
  /** Shapes (on the chain aimed at `executorId`), signs and stores the offer of one service. */
  readonly publish: (executorId: string, serviceType: string) => Effect.Effect<Published, PublicationFailed>
  /** Publishes every service of every Dator in the config; failures are reported, not raised. */
  readonly publishAll: Effect.Effect<PublicationReport>
  /** Service types of an executor's provider profile (`settings.services[*].service_type`). */
  readonly servicesOf: (executorId: string) => ReadonlyArray<string>
}>() {}

/** Builds the publisher over the catalog and the per-executor chains. */
export const make = Effect.gen(function*() {
  const catalog = yield* OfferCatalog
  const chains = yield* ExecutorChains
  const supervisor = yield* Supervisor
  const publishers = supervisor.entries.filter((entry) => entry.hooks.includes(PUBLISH_HOOK))
  const servicesOf = (executorId: string) => {
    const entry = publishers.find((candidate) => candidate.id === executorId)
    return entry === undefined ? [] : profileServices(entry)
  }

  const publish = Effect.fn("OfferPublisher.publish")(function*(executorId: string, serviceType: string) {
    const fail = (reason: string) => new PublicationFailed({ executor_id: executorId, service_type: serviceType, reason })
    const draft = yield* catalog.draft(executorId, serviceType, 0).pipe(Effect.mapError((error) => fail(error.message)))
    const result = yield* chains.run(executorId, PUBLISH_HOOK, { offer: draft.document }, {
      correlationId: draft.offer_id
    }).pipe(Effect.mapError((error) => fail(error.message)))
    if (result.outcome !== "completed" && result.outcome !== "returned") {
      return yield* fail(`the ${PUBLISH_HOOK} chain ${result.outcome}${result.reason === undefined ? "" : `: ${result.reason}`}`)
    }
    const shaped = result.payload["offer"]
    if (!isJsonObject(shaped)) return yield* fail(`the ${PUBLISH_HOOK} chain left no offer object`)
    const offer = yield* catalog.accept(draft, shaped).pipe(Effect.mapError((error) => fail(error.message)))
    const clipped = result.trace.executors.flatMap((executor) => executor.clipped)
    if (clipped.length > 0) {
      yield* Effect.logWarning(
        `offer ${offer.offer_id} of ${executorId}: the host removed writes the module may not make: ` +
          clipped.map((c) => `${c.path} (${c.reason})`).join(", ")
      )
    }
    yield* Effect.logInfo(
      `published offer ${offer.offer_id} ${offer.provider_id} ${offer.service_type} ` +
        `${offer.amount} ${offer.currency} seq=${offer.sequence} until ${new Date(offer.expires_at_ms).toISOString()}`
    )
    return { offer, clipped, causality_id: result.trace.causality_id } satisfies Published
  })

  const publishAll = Effect.gen(function*() {
    const jobs = publishers.flatMap((entry) => profileServices(entry).map((service) => [entry.id, service] as const))
    const outcomes = yield* Effect.forEach(jobs, ([executorId, service]) => Effect.either(publish(executorId, service)), {
      concurrency: 4
    })
    const published: Array<Published> = []
    const failed: Array<PublicationFailed> = []
    for (const outcome of outcomes) {
      if (Either.isRight(outcome)) published.push(outcome.right)
      else {
        failed.push(outcome.left)
        yield* Effect.logWarning(outcome.left.message)
      }
    }
    return { published, failed } satisfies PublicationReport
  })

  return OfferPublisher.of({ publish, publishAll, servicesOf })
})

/** How long until the next look: half the shortest offer life (or of `ttlMs`), at least 1 s. */
export const nextLookMs = (offers: ReadonlyArray<Pick<CatalogOffer, "issued_at_ms" | "expires_at_ms">>, ttlMs: number): number =>
  Math.max(1_000, Math.min(ttlMs / 2, ...offers.map((offer) => (offer.expires_at_ms - offer.issued_at_ms) / 2)))

/** Publishes again every offer past half its lifetime; returns how long to wait before the next look. */
const refreshDue = (publisher: OfferPublisher["Type"], catalog: OfferCatalog["Type"], ttlMs: number) =>
  Effect.gen(function*() {
    const offers = yield* catalog.all
    const now = yield* Clock.currentTimeMillis
    for (const offer of offers) {
      const life = offer.expires_at_ms - offer.issued_at_ms
      if (now >= offer.issued_at_ms + life / 2) {
        yield* Effect.ignore(publisher.publish(offer.executor_id, offer.service_type))
      }
    }
    return nextLookMs(yield* catalog.all, ttlMs)
  })

/**
 * The refresh policy: each look comes after the wait the previous look asked for (its output, in ms),
 * so an offer is republished past half its life and before it expires.
 */
export const refreshSchedule: Schedule.Schedule<number, number> = Schedule.identity<number>().pipe(
  Schedule.addDelay((waitMs) => Duration.millis(waitMs))
)

/** The publisher (nothing is published while it is built: see `layerStartup`). */
export const layer: Layer.Layer<OfferPublisher, never, OfferCatalog | ExecutorChains | Supervisor> = Layer.effect(OfferPublisher, make)

/**
 * What the publisher does while the node runs: with `publish_on_start` every configured service is
 * published while this layer is built (build it once the node's capabilities are registered), and
 * with `refresh` a fiber of its scope publishes offers again before they expire.
 */
export const layerStartup = (settings: CatalogConfig): Layer.Layer<never, never, OfferPublisher | OfferCatalog> =>
  Layer.scopedDiscard(
    Effect.gen(function*() {
      const publisher = yield* OfferPublisher
      const catalog = yield* OfferCatalog
      if (settings.publish_on_start) yield* publisher.publishAll
      if (settings.refresh) {
        // The first look finds nothing due (offers were just published) and sets the pace.
        yield* Effect.forkScoped(Effect.repeat(refreshDue(publisher, catalog, settings.offer_ttl), refreshSchedule))
      }
    })
  )
