/**
 * Which entries an operator asks for: some members (by component id, or its last segment:
 * `dator` names `middleware.dator`), entries at or after a moment, the last N.
 */
import { Option } from "effect"
import { parseAge } from "../config/StorageConfig.js"
import type { LogEntry } from "./LogEntry.js"

/** A query over entries; every field optional. */
export interface LogQuery {
  /** Sources to keep (all when empty or absent). */
  readonly sources?: ReadonlyArray<string> | undefined
  /** Keep entries at or after this moment (epoch milliseconds). */
  readonly sinceMillis?: number | undefined
  /** Keep only the last `limit` entries (after the other filters). */
  readonly limit?: number | undefined
}

/** True when `source` is one of `ids`: the same name, or a name ending in `.<id>`. */
export const sourceMatches = (source: string, ids: ReadonlyArray<string> | undefined): boolean =>
  ids === undefined || ids.length === 0 || ids.some((id) => source === id || source.endsWith(`.${id}`))

/** True when `entry` passes the query's source and time filters. */
export const entryMatches = (entry: LogEntry, query: LogQuery): boolean =>
  sourceMatches(entry.source, query.sources) &&
  (query.sinceMillis === undefined || Date.parse(entry.at) >= query.sinceMillis)

/** The entries passing `query`, sorted by time (stable), the last `limit` of them. */
export const applyQuery = (entries: ReadonlyArray<LogEntry>, query: LogQuery): ReadonlyArray<LogEntry> => {
  const kept = entries
    .filter((entry) => entryMatches(entry, query))
    .map((entry, index) => ({ entry, index, at: Date.parse(entry.at) }))
    .sort((a, b) => (a.at === b.at || Number.isNaN(a.at) || Number.isNaN(b.at) ? a.index - b.index : a.at - b.at))
    .map(({ entry }) => entry)
  return query.limit === undefined ? kept : kept.slice(Math.max(0, kept.length - query.limit))
}

/** `--since 10m` → the moment ten minutes before `now`; an ISO timestamp is taken as is. */
export const parseSince = (text: string, now: number): Option.Option<number> => {
  const age = parseAge(text)
  if (Option.isSome(age)) return Option.some(now - age.value)
  const at = Date.parse(text)
  return Number.isNaN(at) ? Option.none() : Option.some(at)
}
