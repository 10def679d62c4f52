/**
 * The `capabilities` section of the node config: which inquirium provider answers
 * `inquirium.request`, and how large a file `workspace.stage` may write. The registry itself is
 * `NodeCapabilities` in src/node/.
 */
import { Schema } from "effect"
import * as Inquirium from "./Inquirium.js"

/** The `capabilities` section of the node config: which inquirium provider, how large a staged file may be. */
export const CapabilitiesConfig = Schema.Struct({
  inquirium: Schema.optionalWith(Inquirium.InquiriumSettings, { default: () => ({ provider: "deterministic" as const }) }),
  workspace: Schema.optionalWith(
    Schema.Struct({
      max_bytes: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 1024 * 1024 * 1024)), { default: () => 8 * 1024 * 1024 })
    }),
    { default: () => ({ max_bytes: 8 * 1024 * 1024 }) }
  )
}).annotations({ identifier: "CapabilitiesConfig" })
/** The decoded `capabilities` section. */
export type CapabilitiesConfig = typeof CapabilitiesConfig.Type

/** The defaults: deterministic inquirium, 8 MiB staged files. */
export const defaultCapabilities: CapabilitiesConfig = Schema.decodeSync(CapabilitiesConfig)({})
