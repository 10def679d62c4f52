/**
 * The late-bound `IntentHost` port: before the registry is bound it refuses every intent at check
 * and holds an execution until the bind; after it, it answers from the registry. And a host
 * narrowed to a capability subset refuses the rest as the chain's limit.
 */
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Fiber, Layer, Option, Schema } from "effect"
import * as Capability from "../../src/capability/Capability.js"
import { type IntentContext, IntentHost, restrictTo } from "../../src/middleware/IntentHost.js"

const context: IntentContext = {
  hook: "service.execute",
  executorId: "dator",
  moduleId: "orbiplex-dator",
  correlationId: "corr-1",
  causalityId: "cause-1",
  deadline: Number.POSITIVE_INFINITY
}

const echo = (id: string) =>
  Capability.make({
    id,
    description: `answers its input (${id})`,
    input: Schema.Struct({ text: Schema.String }),
    output: Schema.Struct({ text: Schema.String }),
    run: (input) => Effect.succeed(input)
  })

describe("IntentHost port", () => {
  it.scoped("refuses at check and holds execution until the registry is bound, then answers from it", () =>
    Effect.gen(function*() {
      const built = yield* Layer.build(Capability.layerPort)
      const host = Context.get(built, IntentHost)
      const slot = Context.get(built, Capability.CapabilitySlot)
      expect(Option.getOrElse(host.check("a.echo", { text: "x" }), () => "")).toContain("the node is still starting")
      expect(host.capabilities).toEqual([])
      const pending = yield* Effect.fork(host.execute({ intent_id: "i1", capability: "a.echo", input: { text: "hi" } }, context))
      yield* Effect.yieldNow()
      expect(Option.isNone(yield* Fiber.poll(pending))).toBe(true)
      yield* slot.bind(yield* Capability.makeRegistry([echo("a.echo"), echo("b.echo")]))
      expect(yield* Fiber.join(pending)).toEqual({ intent_id: "i1", status: "ok", result: { text: "hi" } })
      expect(host.check("a.echo", { text: "x" })).toEqual(Option.none())
      expect(host.capabilities).toEqual(["a.echo", "b.echo"])
      // A second bind is a wiring bug.
      const again = yield* Effect.exit(slot.bind(yield* Capability.makeRegistry([])))
      expect(again._tag).toBe("Failure")
    }))

  it.effect("a host narrowed to a subset refuses the other capabilities as the chain's limit", () =>
    Effect.gen(function*() {
      const host = Capability.intentHostOf(yield* Capability.makeRegistry([echo("a.echo"), echo("b.echo")]))
      const narrow = restrictTo(host, ["a.echo"])
      expect(narrow.capabilities).toEqual(["a.echo"])
      expect(narrow.check("a.echo", { text: "x" })).toEqual(Option.none())
      expect(Option.getOrElse(narrow.check("b.echo", { text: "x" }), () => "")).toContain("\"b.echo\" is not available to this chain; it may use a.echo")
      const refused = yield* narrow.execute({ intent_id: "i2", capability: "b.echo", input: { text: "x" } }, context)
      expect(refused).toMatchObject({ intent_id: "i2", status: "rejected" })
      const ran = yield* narrow.execute({ intent_id: "i3", capability: "a.echo", input: { text: "x" } }, context)
      expect(ran).toMatchObject({ intent_id: "i3", status: "ok" })
    }))
})
