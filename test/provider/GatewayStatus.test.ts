/**
 * Issue 9 item 8: a 502, 503 or 504 without the protocol's error body (what a gateway in front of a
 * provider answers while the provider is briefly gone) is retried like RFC-024's other 5xx, over real
 * loopback HTTP against the scripted fixture provider.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { isRetryable, UnexpectedStatus } from "../../src/provider/ProviderError.js"
import { expectNoLeftoverProcesses } from "../support/Processes.js"
import { quiet } from "../support/Node.js"
import { entry, startProviders, startRemoteFixture } from "./support.js"

expectNoLeftoverProcesses()

const site = { module: "Gateway", url: "http://127.0.0.1:1/invoke", executionId: "e-1", attempt: 1 }

describe("bodiless gateway statuses", () => {
  it("502, 503, 504 and 429 are retryable; 500, 501 and 4xx without a body are not", () => {
    const retried = [500, 501, 502, 503, 504, 505, 400, 404, 429].filter((status) =>
      isRetryable(new UnexpectedStatus({ ...site, status, body: "" }))
    )
    expect(retried).toEqual([502, 503, 504, 429])
  })

  it.scopedLive("a provider behind a gateway answering 502 or 504 once succeeds on the retry", () =>
    Effect.gen(function*() {
      const fixture = yield* startRemoteFixture()
      const node = yield* startProviders({
        providers: [502, 503, 504].map((status) =>
          entry({ name: `Gateway${status}`, url: `${fixture.origin}/busy?fail=1&retry_after=0&status=${status}` })
        )
      })
      for (const status of [502, 503, 504]) {
        const name = `Gateway${status}`
        const report = yield* node.client.run(name, { text: "x" }, yield* node.client.options(name, { retry: 1 }))
        expect(report.attempts.map((a) => a.outcome), name).toEqual(["failure", "success"])
        expect(Either.isRight(report.result), name).toBe(true)
      }
    }).pipe(quiet))
})
