/**
 * Reading a module's lines: the level its line carries (the SDK's format, Python logging's), plain
 * stderr at INFO, continuation lines and tracebacks joined into one bounded entry, and the stream
 * form finishing an entry at the next entry, at the end, or after an idle tick.
 */
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, FastCheck, Fiber, Queue, Stream, TestClock } from "effect"
import { assembleEntries, IDLE_TICK } from "../../src/logs/ChildEntries.js"
import { emptyAssembly, flush, MAX_ENTRY_LINES, type ModuleEntry, parseModuleLine, step } from "../../src/logs/ModuleLine.js"

/** Level and message of each entry of `lines`, the line read at millisecond i being the i-th. */
const assemble = (lines: ReadonlyArray<string>): ReadonlyArray<Omit<ModuleEntry, "at">> => {
  let state = emptyAssembly
  const out: Array<ModuleEntry> = []
  lines.forEach((line, index) => {
    const [done, next] = step(state, line, index + 1)
    out.push(...done)
    state = next
  })
  out.push(...flush(state)[0])
  return out.map(({ level, message }) => ({ level, message }))
}

const TRACEBACK = [
  "Traceback (most recent call last):",
  "  File \"/m/main.py\", line 3, in <module>",
  "    boom()",
  "ValueError: boom"
]

describe("a module's line", () => {
  it("keeps the level of the SDK's line and drops its stamp, name and pid", () => {
    expect(parseModuleLine("2026-12-07T05:00:00.123Z WARN orbiplex-dator[123] slow disk")).toEqual({ level: "WARN", message: "slow disk" })
    expect(parseModuleLine("2026-12-07T05:00:00Z ERROR orbiplex-dator[1] no")).toEqual({ level: "ERROR", message: "no" })
    expect(parseModuleLine("2026-12-07T05:00:00.5+01:00 DEBUG x[2] d")).toEqual({ level: "DEBUG", message: "d" })
  })

  it("reads Python logging's default format, and a plain line as INFO (stderr is not an error by itself)", () => {
    expect(parseModuleLine("WARNING:root:careful")).toEqual({ level: "WARN", message: "careful" })
    expect(parseModuleLine("CRITICAL:app.db:gone")).toEqual({ level: "FATAL", message: "gone" })
    expect(parseModuleLine("stray print")).toEqual({ level: "INFO", message: "stray print" })
    expect(parseModuleLine("2026-12-07T05:00:00Z NOTALEVEL x[1] y").level).toBe("INFO")
  })

  it("joins a raw traceback into one ERROR entry, and the next line starts a new one", () => {
    expect(assemble(["before", ...TRACEBACK, "after"])).toEqual([
      { level: "INFO", message: "before" },
      { level: "ERROR", message: TRACEBACK.join("\n") },
      { level: "INFO", message: "after" }
    ])
  })

  it("stamps an entry when its first line was read", () => {
    let state = emptyAssembly
    TRACEBACK.forEach((line, index) => {
      state = step(state, line, 5 + index)[1]
    })
    const [done] = step(state, "next", 20)
    expect(done).toEqual([{ level: "ERROR", message: TRACEBACK.join("\n"), at: 5 }])
  })

  it("keeps a chained traceback in the same entry", () => {
    const chained = [...TRACEBACK, "", "During handling of the above exception, another exception occurred:", "", ...TRACEBACK.slice(0, 3), "KeyError: 'x'"]
    expect(assemble(chained)).toEqual([{ level: "ERROR", message: chained.join("\n") }])
  })

  it("joins the SDK's tab-marked continuation lines to their entry, at its level", () => {
    const lines = ["2026-12-07T05:00:00.123Z ERROR m[1] handler failed", ...TRACEBACK.map((line) => `\t${line}`)]
    expect(assemble(lines)).toEqual([{ level: "ERROR", message: ["handler failed", ...TRACEBACK].join("\n") }])
  })

  it.prop("bounds an entry: the first lines, a note of how many were left out, and the last line", [FastCheck.integer({ min: 0, max: 400 })], ([extra]) => {
    const body = Array.from({ length: extra }, (_, i) => `  frame ${i}`)
    const [entry, ...rest] = assemble(["Traceback (most recent call last):", ...body, "ValueError: last"])
    expect(rest).toEqual([])
    const lines = entry?.message.split("\n") ?? []
    expect(lines.length).toBeLessThanOrEqual(MAX_ENTRY_LINES + 1)
    expect(lines[lines.length - 1]).toBe("ValueError: last")
    const kept = lines.filter((line) => line.startsWith("  frame")).length
    const note = /… \((\d+) line\(s\) left out\)/.exec(entry?.message ?? "")
    expect(kept + Number(note?.[1] ?? 0)).toBe(extra)
  })
})

describe("a module's lines as a stream", () => {
  it.effect("finishes an entry after an idle tick with no new line, and the last one at the end", () =>
    Effect.gen(function*() {
      const lines = yield* Queue.unbounded<string>()
      const seen = yield* Queue.unbounded<ModuleEntry>()
      const fiber = yield* assembleEntries(Stream.fromQueue(lines).pipe(Stream.takeWhile((line) => line !== "<end>"))).pipe(
        Stream.runForEach((entry) => Queue.offer(seen, entry)),
        Effect.fork
      )
      yield* Queue.offerAll(lines, TRACEBACK)
      // Nothing follows the traceback: within a few idle ticks it is finished without waiting for more.
      for (let tick = 0; tick < 3; tick++) yield* TestClock.adjust(IDLE_TICK)
      expect(yield* Queue.take(seen)).toMatchObject({ level: "ERROR", message: TRACEBACK.join("\n") })
      yield* Queue.offerAll(lines, ["a", "<end>"])
      yield* Fiber.join(fiber)
      expect(Chunk.toReadonlyArray(yield* Queue.takeAll(seen))).toMatchObject([{ level: "INFO", message: "a" }])
    }))
})
