/**
 * Which supervised modules sell services. A module entry whose `settings.services` names at least one
 * service type carries a provider profile (docs/modules.md §2.1): the node publishes an offer for
 * each of those services, and orders of those offers go to that executor. This is the one rule by
 * which the host tells a provider (a Dator instance, or any module configured like one) from the
 * policy and filter modules attached to the same exchange hooks: it reads the operator's config,
 * never the module's id, so a second provider implementation is treated the same way.
 */
import { Either, Schema } from "effect"
import type { ModuleEntry } from "../contract/ModuleEntry.js"

const ProfileServices = Schema.Struct({
  services: Schema.optionalWith(Schema.Array(Schema.Struct({ service_type: Schema.NonEmptyTrimmedString })), {
    default: () => []
  })
})
const decodeServices = Schema.decodeUnknownEither(ProfileServices)

/** Service types a module entry's profile names (none when its settings have no valid `services`). */
export const profileServices = (entry: ModuleEntry): ReadonlyArray<string> =>
  Either.match(decodeServices(entry.settings), {
    onLeft: () => [],
    onRight: (profile) => profile.services.map((service) => service.service_type)
  })

/** Whether the entry sells services (its offers and orders are its own, not another provider's). */
export const isProvider = (entry: ModuleEntry): boolean => profileServices(entry).length > 0
