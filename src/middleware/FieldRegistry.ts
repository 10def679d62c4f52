/**
 * The field registry of one hook (CONTRACTS §2.3 step 3): which payload paths a module may write
 * with its merge patch, and which paths belong to the host and are never writable.
 *
 * Paths are rooted at the object the patch applies to (the envelope's `payload`). A grant grants
 * its path and everything beneath it. Host-owned always wins over a grant, so even a registry whose
 * grants were never validated cannot let a module touch a host-owned field.
 */
import { Either, Schema } from "effect"
import * as JsonPath from "./JsonPath.js"
import { getAt, getOwn, isObject, type Json, type JsonObject, setKey } from "./MergePatch.js"

// Fields the host computes or vouches for. They are protected at the payload's top level and one
// object down (`offer.signature`); a hook adds deeper or hook-specific paths through `hostOwned`.
const hostComputedFields = [
  "provider_id",
  "node_id",
  "signature",
  "signatures",
  "signed_at",
  "issued_at",
  "sequence",
  "amount_host",
  "schema_version"
] as const

/**
 * Host-owned patterns every hook starts with: `trace` (and all under it), and identity, signature
 * and host-computed fields at the top level and one level down. Hooks can add to them, never remove.
 */
export const DefaultHostOwned: ReadonlyArray<string> = [
  "trace",
  ...hostComputedFields,
  ...hostComputedFields.map((field) => `*.${field}`)
]

/** Why part of a patch was removed. */
export type ClipReason = "not-granted" | "host-owned"

/** One removed leaf of a patch. `path` is `JsonPath.format(segments)` (`""` for the root). */
export interface Clipped {
  readonly path: string
  readonly segments: ReadonlyArray<string>
  readonly reason: ClipReason
}

/** What `clip` kept (a merge patch; `{}` when nothing is left) and what it removed. */
export interface ClipResult {
  readonly allowed: Json
  readonly clipped: ReadonlyArray<Clipped>
}

/** What an operator writes for one hook; every string is a `JsonPath` pattern. */
export interface FieldRegistrySpec {
  /** The hook, named in error messages. */
  readonly hook?: string
  /** Paths every module on the hook may write. */
  readonly writable: ReadonlyArray<string>
  /** Extra paths per module id, added to `writable` for that module. */
  readonly byModule?: Readonly<Record<string, ReadonlyArray<string>>>
  /** Extra host-owned paths for this hook, added to `DefaultHostOwned`. */
  readonly hostOwned?: ReadonlyArray<string>
}

/** A parsed field registry for one hook. */
export interface FieldRegistry {
  readonly hook: string | undefined
  readonly writable: ReadonlyArray<JsonPath.PathPattern>
  readonly byModule: ReadonlyMap<string, ReadonlyArray<JsonPath.PathPattern>>
  readonly hostOwned: ReadonlyArray<JsonPath.PathPattern>
}

/** One grant that overlaps a host-owned path. */
export const GrantOverlap = Schema.Struct({
  grant: Schema.String,
  host_owned: Schema.String,
  module_id: Schema.optionalWith(Schema.String, { exact: true })
})

/** Grants that would let a module write host-owned paths; refused when config is loaded. */
export class GrantOverlapsHostOwned extends Schema.TaggedError<GrantOverlapsHostOwned>()("GrantOverlapsHostOwned", {
  hook: Schema.optionalWith(Schema.String, { exact: true }),
  overlaps: Schema.NonEmptyArray(GrantOverlap)
}) {
  override get message(): string {
    const where = this.hook === undefined ? "field registry" : `hook ${JSON.stringify(this.hook)}`
    // One line per grant: a wide grant such as "offer.*" meets many host-owned patterns at once.
    const byGrant = new Map<string, Array<string>>()
    for (const o of this.overlaps) {
      const grant = `grant ${JSON.stringify(o.grant)}${o.module_id === undefined ? "" : ` (module ${JSON.stringify(o.module_id)})`}`
      const owned = byGrant.get(grant) ?? []
      owned.push(JSON.stringify(o.host_owned))
      byGrant.set(grant, owned)
    }
    const list = [...byGrant].map(([grant, owned]) => `${grant} overlaps host-owned ${owned.join(", ")}`).join("; ")
    return `${where}: ${list}. Modules may never write host-owned paths: narrow each grant to paths outside ` +
      `them (for example "offer.pricing" rather than "offer.*"), or remove it`
  }
}

const parseAll = (
  texts: ReadonlyArray<string>
): Either.Either<ReadonlyArray<JsonPath.PathPattern>, JsonPath.InvalidPathPattern> => {
  const out: Array<JsonPath.PathPattern> = []
  for (const text of texts) {
    const parsed = JsonPath.parsePattern(text)
    if (Either.isLeft(parsed)) return Either.left(parsed.left)
    out.push(parsed.right)
  }
  return Either.right(out)
}

/** Parses a spec; fails on the first pattern that does not parse. Grants are checked by `validateGrants`. */
export const make = (spec: FieldRegistrySpec): Either.Either<FieldRegistry, JsonPath.InvalidPathPattern> =>
  Either.gen(function*() {
    const writable = yield* parseAll(spec.writable)
    const hostOwned = yield* parseAll([...DefaultHostOwned, ...(spec.hostOwned ?? [])])
    const byModule = new Map<string, ReadonlyArray<JsonPath.PathPattern>>()
    for (const [moduleId, texts] of Object.entries(spec.byModule ?? {})) {
      byModule.set(moduleId, yield* parseAll(texts))
    }
    return { hook: spec.hook, writable, byModule, hostOwned }
  })

/**
 * Whether a grant overlaps a host-owned pattern: the grant (or a wildcard in it) lands on or inside a
 * host-owned path, or the host-owned pattern spells out, key by key, a path beneath the grant.
 * A host-owned pattern that reaches beneath a grant only through its own `*` (the defaults'
 * `*.signature` beneath a grant `summary`) is no overlap: otherwise no one-key grant could exist,
 * and `clip` protects those fields at run time anyway.
 */
export const grantOverlaps = (grant: JsonPath.PathPattern, hostOwned: JsonPath.PathPattern): boolean => {
  const g = grant.segments
  const h = hostOwned.segments
  if (h.length <= g.length) return JsonPath.patternsMeet(g, h)
  for (let i = 0; i < g.length; i++) {
    const hs = h[i]
    const gs = g[i]
    if (hs === JsonPath.Any || (gs !== JsonPath.Any && gs !== hs)) return false
  }
  return true
}

/** Refuses a registry with any grant that overlaps a host-owned path, naming every such pair. */
export const validateGrants = (registry: FieldRegistry): Either.Either<FieldRegistry, GrantOverlapsHostOwned> => {
  const overlaps: Array<typeof GrantOverlap.Type> = []
  const scan = (grants: ReadonlyArray<JsonPath.PathPattern>, moduleId: string | undefined) => {
    for (const grant of grants) {
      for (const owned of registry.hostOwned) {
        if (grantOverlaps(grant, owned)) {
          overlaps.push(
            moduleId === undefined
              ? { grant: grant.text, host_owned: owned.text }
              : { grant: grant.text, host_owned: owned.text, module_id: moduleId }
          )
        }
      }
    }
  }
  scan(registry.writable, undefined)
  for (const [moduleId, grants] of registry.byModule) scan(grants, moduleId)
  const [first, ...rest] = overlaps
  if (first === undefined) return Either.right(registry)
  return Either.left(
    new GrantOverlapsHostOwned(
      registry.hook === undefined ? { overlaps: [first, ...rest] } : { hook: registry.hook, overlaps: [first, ...rest] }
    )
  )
}

/** `make` then `validateGrants`: what config loading uses. */
export const fromSpec = (
  spec: FieldRegistrySpec
): Either.Either<FieldRegistry, JsonPath.InvalidPathPattern | GrantOverlapsHostOwned> =>
  Either.flatMap(make(spec), validateGrants)

// True when `value` holds a path matching `segments[from..]` (presence counts, even of a null).
const holds = (value: Json | undefined, segments: ReadonlyArray<JsonPath.PatternSegment>, from: number): boolean => {
  if (!isObject(value)) return false
  const segment = segments[from]
  const last = from === segments.length - 1
  if (segment === undefined) return true
  if (segment === JsonPath.Any) {
    for (const key of Object.keys(value)) if (last || holds(value[key], segments, from + 1)) return true
    return false
  }
  if (!Object.hasOwn(value, segment)) return false
  return last || holds(value[segment], segments, from + 1)
}

// A target that was not given, as opposed to a target with nothing at a path.
const noTarget: unique symbol = Symbol.for("orbiplex/FieldRegistry/noTarget")

const isHostOwned = (
  registry: FieldRegistry,
  path: ReadonlyArray<string>,
  current: Json | undefined | typeof noTarget
): boolean => {
  for (const owned of registry.hostOwned) {
    const h = owned.segments
    if (h.length <= path.length) {
      if (JsonPath.covers(h, path)) return true
    } else if (JsonPath.meets(h, path)) {
      // The write replaces or deletes the whole value at `path`: refuse it when that value holds a
      // host-owned field, or when we cannot see the value.
      if (current === noTarget || holds(current, h, path.length)) return true
    }
  }
  return false
}

const isGranted = (
  grants: ReadonlyArray<JsonPath.PathPattern>,
  extra: ReadonlyArray<JsonPath.PathPattern> | undefined,
  path: ReadonlyArray<string>
): boolean => {
  for (const grant of grants) if (JsonPath.covers(grant.segments, path)) return true
  if (extra !== undefined) for (const grant of extra) if (JsonPath.covers(grant.segments, path)) return true
  return false
}

const decide = (
  registry: FieldRegistry,
  extra: ReadonlyArray<JsonPath.PathPattern> | undefined,
  path: ReadonlyArray<string>,
  current: Json | undefined | typeof noTarget
): "allowed" | ClipReason =>
  isHostOwned(registry, path, current)
    ? "host-owned"
    : isGranted(registry.writable, extra, path)
    ? "allowed"
    : "not-granted"

const extraFor = (registry: FieldRegistry, moduleId: string | undefined) =>
  moduleId === undefined ? undefined : registry.byModule.get(moduleId)

/**
 * Whether a module may write (or delete) the value at `path`. With `target` (the payload the patch
 * will apply to), replacing a value is refused only when that value holds a host-owned field;
 * without it, replacing anything a host-owned pattern could lie beneath is refused.
 */
export const check = (
  registry: FieldRegistry,
  path: ReadonlyArray<string>,
  moduleId?: string,
  target?: Json
): "allowed" | ClipReason =>
  decide(registry, extraFor(registry, moduleId), path, target === undefined ? noTarget : getAt(target, path))

/** `check(...) === "allowed"`. */
export const isAllowed = (registry: FieldRegistry, path: ReadonlyArray<string>, moduleId?: string, target?: Json): boolean =>
  check(registry, path, moduleId, target) === "allowed"

const child = (node: Json | undefined | typeof noTarget, key: string): Json | undefined | typeof noTarget =>
  node === noTarget ? noTarget : isObject(node) ? getOwn(node, key) : undefined

const hasKeys = (object: JsonObject): boolean => {
  for (const key in object) if (Object.hasOwn(object, key)) return true
  return false
}

/**
 * Removes from `patch` every leaf (see `MergePatch.leafPaths`) the module may not write, and prunes
 * objects left empty. Returns `patch` itself when nothing is removed. Pass the payload as `target`
 * (see `check`); the policy `strict` rejects the decision when `clipped` is not empty.
 */
export const clip = (registry: FieldRegistry, patch: Json, moduleId?: string, target?: Json): ClipResult => {
  const extra = extraFor(registry, moduleId)
  const root: Json | undefined | typeof noTarget = target === undefined ? noTarget : target
  if (!isObject(patch)) {
    const reason = decide(registry, extra, [], root)
    return reason === "allowed"
      ? { allowed: patch, clipped: [] }
      : { allowed: {}, clipped: [{ path: "", segments: [], reason }] }
  }
  const clipped: Array<Clipped> = []
  const path: Array<string> = []

  // A subtree no host-owned pattern reaches and a grant covers is kept whole, unvisited.
  const freeAndGranted = (): boolean => {
    for (const owned of registry.hostOwned) if (JsonPath.meets(owned.segments, path)) return false
    return isGranted(registry.writable, extra, path)
  }

  // Returns `node` when all of it stays, a pruned copy, or `undefined` when nothing of it stays.
  const walk = (node: JsonObject, current: Json | undefined | typeof noTarget): JsonObject | undefined => {
    if (path.length > 0 && freeAndGranted()) return node
    let out: { [key: string]: Json } | undefined
    let kept = 0
    const keys = Object.keys(node)
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] ?? ""
      const value = node[key] ?? null
      const below = child(current, key)
      path.push(key)
      let next: Json | undefined
      if (isObject(value) && hasKeys(value)) {
        next = walk(value, below)
      } else {
        const reason = decide(registry, extra, path, below)
        if (reason === "allowed") next = value
        else clipped.push({ path: JsonPath.format(path), segments: [...path], reason })
      }
      path.pop()
      if (next !== value && out === undefined) {
        // First change: copy what was kept so far, then keep building the copy.
        out = {}
        for (let j = 0; j < i; j++) {
          const earlier = keys[j] ?? ""
          setKey(out, earlier, node[earlier] ?? null)
        }
      }
      if (next !== undefined) {
        kept += 1
        if (out !== undefined) setKey(out, key, next)
      }
    }
    if (out === undefined) return node
    return kept === 0 ? undefined : out
  }

  const allowed = walk(patch, root)
  return { allowed: allowed ?? {}, clipped }
}
