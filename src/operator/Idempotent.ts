/**
 * `Idempotency-Key` for requests that create work: the first request with a key runs and its answer
 * is stored with the digest of its route and body (IdempotencyRepo); the same key and body get that
 * answer again; another body, or a repeat while the first still runs, is a 409 naming the key.
 */
import { createHash } from "node:crypto"
import { Effect, Either, Schema } from "effect"
import { parseJsonText } from "../contract/Json.js"
import { canonicalJson } from "../resilience/CanonicalJson.js"
import type { WorkDesk } from "./WorkGate.js"
import { IdempotencyConflict, WorkFailed } from "./WorkErrors.js"

/** The digest a key is bound to: the route and the body. */
export const requestDigest = (route: string, body: unknown): string =>
  createHash("sha256").update(canonicalJson({ route, body })).digest("hex")

/** Runs `work` once per key; without a key it simply runs. */
export const idempotent = <A, I, E>(
  desk: WorkDesk,
  schema: Schema.Schema<A, I>,
  key: string | undefined,
  route: string,
  body: unknown,
  work: Effect.Effect<A, E>
): Effect.Effect<A, E | IdempotencyConflict | WorkFailed> => {
  if (key === undefined) return work
  const repo = desk.idempotency
  const codec = Schema.parseJson(schema)
  const storeFailed = (error: { readonly message: string }) =>
    new WorkFailed({ message: `the Idempotency-Key ${key} could not be kept: ${error.message}. Retry, or send without the header` })
  return Effect.gen(function*() {
    const claim = yield* Effect.mapError(repo.claim(key, requestDigest(route, body)), storeFailed)
    switch (claim._tag) {
      case "Mismatch":
        return yield* new IdempotencyConflict({
          key,
          message: `the Idempotency-Key ${JSON.stringify(key)} was used for a different request; use a new key for new work`
        })
      case "Pending":
        return yield* new IdempotencyConflict({
          key,
          message: `the first request with Idempotency-Key ${JSON.stringify(key)} is still running; retry it later for its answer`
        })
      case "Replay":
        return yield* Schema.decode(codec)(JSON.stringify(claim.response)).pipe(
          Effect.mapError((error) => storeFailed({ message: `its stored answer no longer decodes (${error.message})` }))
        )
      case "Fresh": {
        const answer = yield* work.pipe(Effect.tapErrorCause(() => Effect.ignore(repo.release(key))))
        const text = yield* Schema.encode(codec)(answer).pipe(Effect.mapError((error) => storeFailed({ message: error.message })))
        const json = yield* Either.match(parseJsonText(text), {
          onLeft: (reason) => Effect.fail(storeFailed({ message: reason })),
          onRight: Effect.succeed
        })
        yield* Effect.mapError(repo.complete(key, json), storeFailed)
        return answer
      }
    }
  })
}
