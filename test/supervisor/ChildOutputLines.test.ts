import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, FastCheck, Stream } from "effect"
import { breakLongRuns } from "../../src/supervisor/ChildProcess.js"

const split = (chunks: ReadonlyArray<string>, max: number) =>
  Stream.fromIterable(chunks).pipe(Stream.mapAccum(0, breakLongRuns(max)), Stream.splitLines, Stream.runCollect, Effect.map(Chunk.toReadonlyArray))

describe("child output lines", () => {
  it.effect("a run without newlines is cut into pieces of at most max characters; nothing is lost", () =>
    Effect.gen(function*() {
      const lines = yield* split(["abcdefghij", "klm\nxy", "z\n"], 4)
      expect(lines).toEqual(["abcd", "efgh", "ijkl", "m", "xyz"])
    }))

  it.effect.prop("for any text and chunking, lines are bounded and join back to the text", [
    FastCheck.array(FastCheck.string({ unit: FastCheck.constantFrom("a", "b", "\n"), maxLength: 40 }), { maxLength: 6 }),
    FastCheck.integer({ min: 1, max: 8 })
  ], ([chunks, max]) =>
    Effect.gen(function*() {
      const text = chunks.join("")
      const lines = yield* split(chunks, max)
      for (const line of lines) expect(line.length).toBeLessThanOrEqual(max)
      expect(lines.join("")).toBe(text.replace(/\n/g, ""))
    }))
})
