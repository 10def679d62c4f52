/**
 * A child's recent stderr: the last STDERR_TAIL_LINES lines, kept while its stderr is drained, and
 * complete once `stderrDone` says the pipe reached its end (what a crash report quotes).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { spawnChild, STDERR_TAIL_LINES } from "../../src/supervisor/ChildProcess.js"
import { FIXTURES_DIR, PYTHON, RUN_MARKER } from "../support/Fixture.js"
import { expectNoLeftoverProcesses } from "../support/Processes.js"

expectNoLeftoverProcesses()

describe("a child's stderr tail", () => {
  it.scopedLive(`keeps the last ${STDERR_TAIL_LINES} lines, oldest first`, () =>
    Effect.gen(function*() {
      const child = yield* spawnChild({
        executable: PYTHON,
        args: ["-c", "import sys\nfor i in range(50): sys.stderr.write(f'line {i}\\n')\nsys.exit(4)", "tail.py", RUN_MARKER],
        cwd: FIXTURES_DIR,
        env: {},
        graceMs: 500
      })
      yield* Effect.forkScoped(Stream.runDrain(child.stdoutLines))
      yield* Effect.forkScoped(Stream.runDrain(child.stderrLines))
      expect(yield* child.exit).toEqual({ code: 4, signal: null })
      yield* child.stderrDone
      expect(yield* child.stderrTail).toEqual(Array.from({ length: STDERR_TAIL_LINES }, (_, i) => `line ${30 + i}`))
    }))
})
