/**
 * What a reload changes: the module entries compared by a digest of their decoded form (every
 * default applied, keys sorted), so a change of formatting or a default written out changes nothing,
 * and any change of a field that matters restarts exactly that module.
 */
import { Schema } from "effect"
import * as Crypto from "node:crypto"
import { ModuleEntry } from "../contract/ModuleEntry.js"

const encode = Schema.encodeSync(ModuleEntry)

const canonical = (value: unknown): string =>
  Array.isArray(value)
    ? `[${value.map(canonical).join(",")}]`
    : typeof value === "object" && value !== null
    ? `{${Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, item]) => `${JSON.stringify(key)}:${canonical(item)}`).join(",")}}`
    : JSON.stringify(value)

/** The sha256 of an entry's canonical JSON, first 16 hex digits. */
export const entryDigest = (entry: ModuleEntry): string =>
  Crypto.createHash("sha256").update(canonical(encode(entry))).digest("hex").slice(0, 16)

/** One entry whose digest changed. */
export interface Changed {
  readonly entry: ModuleEntry
  readonly from: string
  readonly to: string
}

/** The changes from `current` to `next` (both the enabled modules, in config order). */
export interface ReloadPlan {
  readonly added: ReadonlyArray<ModuleEntry>
  readonly removed: ReadonlyArray<string>
  readonly changed: ReadonlyArray<Changed>
  readonly unchanged: ReadonlyArray<string>
}

/** Compares two sets of module entries by id and digest. */
export const planReload = (current: ReadonlyArray<ModuleEntry>, next: ReadonlyArray<ModuleEntry>): ReloadPlan => {
  const before = new Map(current.map((entry) => [entry.id, entry]))
  const after = new Set(next.map((entry) => entry.id))
  const added: Array<ModuleEntry> = []
  const changed: Array<Changed> = []
  const unchanged: Array<string> = []
  for (const entry of next) {
    const old = before.get(entry.id)
    if (old === undefined) {
      added.push(entry)
      continue
    }
    const from = entryDigest(old)
    const to = entryDigest(entry)
    if (from === to) unchanged.push(entry.id)
    else changed.push({ entry, from, to })
  }
  return { added, removed: current.filter((entry) => !after.has(entry.id)).map((entry) => entry.id), changed, unchanged }
}
