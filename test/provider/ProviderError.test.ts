/**
 * The mapping of answers to outputs and errors (CONTRACTS §3.3/§3.4) as properties: whatever a
 * provider answers, the host gets the output or one typed error, the provider's code and message are
 * kept, and only network errors, 5xx and 503/429 are ever retried.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck, Schema } from "effect"
import { classify } from "../../src/provider/ProviderClient.js"
import { ProviderEntry } from "../../src/provider/ProviderConfig.js"
import { isRetryable, NetworkError, parseRetryAfter } from "../../src/provider/ProviderError.js"
import { resolve } from "../../src/provider/ProviderRegistry.js"
import { arbitrary, conforms } from "../../src/typelang/TypeCheck.js"

const provider = resolve(Schema.decodeUnknownSync(ProviderEntry)({
  name: "Sentiment",
  url: "http://127.0.0.1:8080/invoke",
  input_schema: { text: "String" },
  output_schema: { sentiment: "String", confidence: "Float", tags: "List<String>", meta: { source: "Optional<String>" } }
}))
const site = { module: "Sentiment", url: "http://127.0.0.1:8080/invoke", executionId: "e-1", attempt: 1 }
const answer = (status: number, body: string, retryAfter?: string) => ({ status, body, retryAfter })

const errorBody = FastCheck.record({
  code: FastCheck.constantFrom("TYPE_ERROR", "RUNTIME_ERROR", "TIMEOUT", "INTERNAL_ERROR", "MY_OWN"),
  message: FastCheck.string(),
  details: FastCheck.option(FastCheck.dictionary(FastCheck.string(), FastCheck.integer()), { nil: undefined })
})
const status = FastCheck.integer({ min: 100, max: 599 })

describe("classify", () => {
  it.prop("a 200 answer of the output type is the output; any other JSON is an OutputTypeMismatch naming the fields", [arbitrary(provider.outputType), FastCheck.jsonValue()], ([good, other]) => {
    const ok = classify(provider, site, answer(200, JSON.stringify(good)), 0)
    expect(Either.isRight(ok)).toBe(true)
    expect(conforms(provider.outputType, Either.getOrThrow(ok))).toBe(true)
    const result = classify(provider, site, answer(200, JSON.stringify(other)), 0)
    if (conforms(provider.outputType, other)) expect(Either.isRight(result)).toBe(true)
    else {
      const error = Either.getLeft(result)
      expect(error._tag === "Some" && error.value._tag).toBe("OutputTypeMismatch")
      expect(error._tag === "Some" && !isRetryable(error.value)).toBe(true)
    }
  })

  it.prop("an error body keeps the provider's code, message and details; only 5xx of them are retried", [status.filter((s) => s !== 200), errorBody], ([code, body]) => {
    const result = classify(provider, site, answer(code, JSON.stringify({ error: body })), 0)
    const error = Either.getLeft(result)
    expect(error._tag).toBe("Some")
    if (error._tag === "Some" && error.value._tag === "ExecutionFailed") {
      expect(error.value).toMatchObject({ status: code, code: body.code, providerMessage: body.message })
      expect(error.value.details).toEqual(body.details)
      expect(isRetryable(error.value)).toBe(code >= 500)
      expect(error.value.message).toContain(`HTTP ${code} ${body.code}`)
    } else {
      expect.unreachable("an error body must give ExecutionFailed")
    }
  })

  it.prop("a status without an error body is UnexpectedStatus, retried only for 502, 503, 504 and 429", [status.filter((s) => s !== 200), FastCheck.string()], ([code, text]) => {
    const body = text.includes("error") ? "plain" : text
    const error = Either.getLeft(classify(provider, site, answer(code, body, "2"), 0))
    expect(error._tag === "Some" && error.value._tag).toBe("UnexpectedStatus")
    if (error._tag === "Some") {
      expect(isRetryable(error.value)).toBe(code === 502 || code === 503 || code === 504 || code === 429)
      if (code === 503 || code === 429) expect(error.value).toMatchObject({ retryAfterMs: 2_000 })
    }
  })

  it("a 200 answer that is not JSON is an InvalidResponse; a network error is always worth a retry", () => {
    const error = Either.getLeft(classify(provider, site, answer(200, "<html>"), 0))
    expect(error._tag === "Some" && error.value._tag).toBe("InvalidResponse")
    expect(isRetryable(new NetworkError({ ...site, detail: "connect ECONNREFUSED" }))).toBe(true)
  })

  it("reads Retry-After as seconds or as an HTTP date", () => {
    expect(parseRetryAfter("3", 0)).toBe(3_000)
    expect(parseRetryAfter("0.5", 0)).toBe(500)
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6_000)
    expect(parseRetryAfter("soon", 0)).toBeUndefined()
    expect(parseRetryAfter(undefined, 0)).toBeUndefined()
  })
})
