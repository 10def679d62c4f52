/**
 * The `logs` config section: the rotating files under `<data_dir>/logs/` (one per member, one for
 * the host), how many recent entries each member keeps in memory, and the timezone of timestamps.
 */
import { Schema } from "effect"
import { Timezone } from "../logs/LogEntry.js"

/** The `logs` section, every field defaulted. */
export const LogsConfig = Schema.Struct({
  /** A file is rotated before it would pass this size. */
  max_bytes: Schema.optionalWith(Schema.Int.pipe(Schema.greaterThanOrEqualTo(1_024)), { default: () => 10_485_760 }),
  /** Files kept per member, the one being written included (`x.log`, `x.log.1` … `x.log.<files-1>`). */
  files: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 100)), { default: () => 5 }),
  /** Entries each member keeps in memory for `orbiplex logs` through the operator API. */
  recent: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 100_000)), { default: () => 1_000 }),
  /** `"utc"` (`…Z`) or `"local"` (the host's time with its offset). */
  timezone: Schema.optionalWith(Timezone, { default: () => "utc" as const })
}).annotations({ identifier: "LogsConfig" })
/** The `logs` section. */
export type LogsConfig = typeof LogsConfig.Type

/** Ten MiB files, five per member, a thousand recent entries, UTC. */
export const defaultLogs: LogsConfig = { max_bytes: 10_485_760, files: 5, recent: 1_000, timezone: "utc" }
