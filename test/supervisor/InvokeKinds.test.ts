/**
 * How invoke failures reach a chain's trace: an oversized answer is `too-large` (not a malformed
 * decision: the module may have answered well, only too much), and a crash during the call is
 * `module-crashed`, with the exit in its message.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { fileURLToPath } from "node:url"
import { startChain } from "../middleware/ChainHarness.js"
import { fixtureEntry, RUN_MARKER } from "../support/Fixture.js"
import { quiet } from "../support/Node.js"
import { expectNoLeftoverProcesses } from "../support/Processes.js"

expectNoLeftoverProcesses()

const POISON_SCRIPT = fileURLToPath(new URL("../fixtures/poison_module.py", import.meta.url))
const order = { order: { order_id: "order-1", service_type: "redaction", offer_id: "offer-9" } }

describe("invoke failure kinds in a chain trace", () => {
  it.scopedLive("an oversized answer is too-large, a crash during the call module-crashed", () =>
    Effect.gen(function*() {
      const node = yield* startChain([
        fixtureEntry("huge", "too_large", { hooks: ["service.execute"], http: { max_response_bytes: 4_096 } }),
        fixtureEntry("poisoned", "ok", { hooks: ["service.publish"], launch: { args: [POISON_SCRIPT, RUN_MARKER] } })
      ])
      const huge = yield* node.runner.runHook("service.execute", order, { correlationId: "corr-too-large" })
      expect(huge.trace.executors[0]?.error).toMatchObject({
        kind: "too-large",
        message: expect.stringContaining("more than 4096 bytes")
      })
      const crashed = yield* node.runner.runHook("service.publish", { offer: { offer_id: "offer-1", service_type: "redaction" }, _poison: true }, { correlationId: "corr-crash" })
      expect(crashed.trace.executors[0]?.error).toMatchObject({
        kind: "module-crashed",
        message: expect.stringContaining("exited with code 9")
      })
    }).pipe(quiet))
})
