/**
 * Shared pieces of the decoder fuzzers: run counts and the seed (short and seeded in CI, longer by
 * hand with `FUZZ_RUNS=20000 FUZZ_SEED=7 npx vitest run test/fuzz`), a per-fuzzer input counter printed
 * after the file, and generators of hostile input: any JSON, valid samples mutated (keys dropped,
 * values swapped for other JSON, deep nesting spliced in), and texts truncated, spliced, padded and
 * decoded from bytes that are not UTF-8.
 */
import { afterAll } from "@effect/vitest"
import { Either, FastCheck as fc } from "effect"
import type { Json, JsonObject } from "../../src/contract/Json.js"
import { arbitraryJson, isJsonObject } from "../../src/contract/Json.js"

const envInt = (name: string, fallback: number): number => {
  const text = process.env[name]
  const value = text === undefined ? NaN : Number(text)
  return Number.isSafeInteger(value) && value > 0 ? value : fallback
}

/** Inputs per fuzzer: small in CI, raised by hand with FUZZ_RUNS. */
export const RUNS = envInt("FUZZ_RUNS", 200)
/** The seed every fuzzer starts from (FUZZ_SEED), so a failure reproduces. */
export const SEED = envInt("FUZZ_SEED", 20261207)
/** fast-check parameters for a fuzzer: seeded, `RUNS` inputs scaled by `weight`, and time for a long run. */
export const params = (weight = 1) => {
  const numRuns = Math.max(1, Math.round(RUNS * weight))
  // About 3 ms an input on these machines; a long hand run must not hit vitest's 30 s default.
  return { timeout: Math.max(30_000, numRuns * 20), fastCheck: { numRuns, seed: SEED } }
}

const counts = new Map<string, number>()

/** Counts one input of `fuzzer`. */
export const saw = (fuzzer: string): void => {
  counts.set(fuzzer, (counts.get(fuzzer) ?? 0) + 1)
}

/** Prints how many inputs each fuzzer of this file saw, once the file is done. */
export const reportCounts = (file: string): void =>
  afterAll(() => {
    const lines = [...counts.entries()].map(([name, n]) => `  ${name}: ${n}`)
    const total = [...counts.values()].reduce((a, b) => a + b, 0)
    console.log(`${file}: ${total} inputs (FUZZ_RUNS=${RUNS}, FUZZ_SEED=${SEED})\n${lines.join("\n")}`)
  })

/** A JSON value nested `depth` levels deep around `leaf`, built without recursion. */
export const nested = (depth: number, leaf: Json, asObject: boolean): Json => {
  let value = leaf
  for (let i = 0; i < depth; i++) value = asObject ? { a: value } : [value]
  return value
}

/** JSON text nested `depth` levels deep, built as text (so even depths JSON.parse refuses can be sent). */
export const nestedText = (depth: number, asObject: boolean): string =>
  asObject ? "{\"a\":".repeat(depth) + "1" + "}".repeat(depth) : "[".repeat(depth) + "1" + "]".repeat(depth)

/** Odd JSON leaves: huge and tiny numbers, -0, long strings, lone surrogates, keys that trip object code. */
export const oddLeaf: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(0, -0, 1e308, -1e308, 5e-324, 2 ** 53 + 1, -1, 65_536, "", "\u0000", "\ud800", "__proto__", true, null),
  fc.string({ maxLength: 40 }),
  fc.integer({ min: 1, max: 20_000 }).map((n) => "x".repeat(n)),
  fc.double()
)

/** Any JSON, odd leaves included, up to a small depth. */
export const anyJson: fc.Arbitrary<Json> = fc.oneof(arbitraryJson(fc, 4), oddLeaf, fc.jsonValue().map((v): Json => JSON.parse(JSON.stringify(v))))

type Mutation =
  | { readonly _tag: "drop"; readonly pick: number }
  | { readonly _tag: "replace"; readonly pick: number; readonly value: Json }
  | { readonly _tag: "add"; readonly key: string; readonly value: Json }
  | { readonly _tag: "nest"; readonly pick: number; readonly depth: number; readonly asObject: boolean }

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ _tag: fc.constant("drop" as const), pick: fc.nat() }),
  fc.record({ _tag: fc.constant("replace" as const), pick: fc.nat(), value: anyJson }),
  fc.record({ _tag: fc.constant("add" as const), key: fc.oneof(fc.constantFrom("__proto__", "constructor", "schema_version"), fc.string({ maxLength: 8 })), value: anyJson }),
  fc.record({ _tag: fc.constant("nest" as const), pick: fc.nat(), depth: fc.integer({ min: 1, max: 3_000 }), asObject: fc.boolean() })
)

/** Every path to an object member, depth first (the sample itself is the empty path). */
const memberPaths = (value: Json, prefix: ReadonlyArray<string> = []): Array<ReadonlyArray<string>> => {
  // Deep enough for every sample; stops before spliced-in nesting makes the walk quadratic.
  if (!isJsonObject(value) || prefix.length >= 8) return []
  return Object.keys(value).flatMap((key) => [[...prefix, key], ...memberPaths(value[key] ?? null, [...prefix, key])])
}

const withAt = (value: JsonObject, path: ReadonlyArray<string>, change: (members: Record<string, Json>, key: string) => void): JsonObject => {
  const copy: Record<string, Json> = { ...value }
  const [head, ...rest] = path
  if (head === undefined) return copy
  if (rest.length === 0) {
    change(copy, head)
    return copy
  }
  const inner = copy[head]
  if (isJsonObject(inner)) Object.defineProperty(copy, head, { value: withAt(inner, rest, change), enumerable: true, writable: true, configurable: true })
  return copy
}

// Writes that keep "__proto__" an own key instead of setting the prototype.
const put = (members: Record<string, Json>, key: string, value: Json): void => {
  Object.defineProperty(members, key, { value, enumerable: true, writable: true, configurable: true })
}

const apply = (sample: JsonObject, step: Mutation): JsonObject => {
  if (step._tag === "add") {
    const copy: Record<string, Json> = { ...sample }
    put(copy, step.key, step.value)
    return copy
  }
  const paths = memberPaths(sample)
  const path = paths[step.pick % Math.max(1, paths.length)]
  if (path === undefined) return sample
  return withAt(sample, path, (members, key) => {
    if (step._tag === "drop") delete members[key]
    else if (step._tag === "replace") put(members, key, step.value)
    else put(members, key, nested(step.depth, members[key] ?? null, step.asObject))
  })
}

/** A valid sample changed by one to four mutations (or left as is, so valid input is fuzzed too). */
export const mutatedJson = (sample: JsonObject): fc.Arbitrary<JsonObject> =>
  fc.array(mutation, { maxLength: 4 }).map((steps) => steps.reduce(apply, sample))

/** A text changed at the byte level: truncated, spliced, padded, or decoded from bytes that are not UTF-8. */
export const mutatedText = (text: string): fc.Arbitrary<string> =>
  fc.oneof(
    fc.nat({ max: text.length }).map((at) => text.slice(0, at)),
    fc.tuple(fc.nat({ max: text.length }), fc.string({ maxLength: 8 })).map(([at, insert]) => text.slice(0, at) + insert + text.slice(at)),
    fc.tuple(fc.nat({ max: text.length }), fc.uint8Array({ minLength: 1, maxLength: 8 })).map(([at, bytes]) => {
      const raw = Buffer.from(text, "utf8")
      const spliced = Buffer.concat([raw.subarray(0, at), Buffer.from(bytes), raw.subarray(at)])
      return spliced.toString("utf8")
    }),
    fc.integer({ min: 1, max: 50_000 }).map((n) => text + " ".repeat(n)),
    fc.tuple(fc.integer({ min: 1, max: 20_000 }), fc.boolean()).map(([depth, asObject]) => nestedText(depth, asObject))
  )

/** Parses a mutated text as the host would before decoding; a text JSON.parse refuses stays a string. */
export const parsedOrText = (text: string): unknown =>
  Either.getOrElse(Either.try((): unknown => JSON.parse(text)), () => text)

/** A generated input that prints as a short summary: fast-check's own printer overflows on deep nesting. */
export interface Boxed<A> {
  readonly value: A
}

const summary = (value: unknown): string => {
  const text = Either.getOrElse(Either.try(() => JSON.stringify(value) ?? String(value)), () => "(too deep to print)")
  return text.length > 300 ? `${text.slice(0, 300)}… (${text.length} chars)` : text
}

/** Boxes generated values so a failure report prints a bounded summary of each. */
export const boxed = <A>(arbitrary: fc.Arbitrary<A>): fc.Arbitrary<Boxed<A>> =>
  arbitrary.map((value) => ({ value, [fc.toStringMethod]: () => summary(value) }))
