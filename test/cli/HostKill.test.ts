/**
 * A host that is SIGKILLed runs no finalizer, yet leaves no module behind: modules exit when their
 * stdin (a pipe the host held) reaches EOF (CONTRACTS §1.2).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { requireBuild } from "../support/Cli.js"
import { fixtureEntryJson } from "../support/Fixture.js"
import { awaitLine, startHost } from "../support/Host.js"
import { awaitGone, expectNoLeftoverProcesses, isAlive, killQuietly } from "../support/Processes.js"
import { tempDir, writeFile } from "../support/TempFiles.js"

requireBuild()
expectNoLeftoverProcesses()

describe("orbiplex start", () => {
  it.scopedLive("a SIGKILLed host leaves no module process behind", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const config = writeFile(dir, "node.json", { modules: [fixtureEntryJson("victim", "ok")] })
      const host = yield* startHost(config)
      const ready = yield* awaitLine(host, /middleware\.victim ready pid=(\d+)/).pipe(Effect.timeout("20 seconds"))
      const pid = Number(ready[1])
      yield* Effect.addFinalizer(() => Effect.sync(() => killQuietly(pid)))
      expect(isAlive(pid)).toBe(true)

      const exited = Effect.async<NodeJS.Signals | null>((resume) => {
        host.once("exit", (_code, signal) => resume(Effect.succeed(signal)))
      })
      host.kill("SIGKILL")
      expect(yield* exited).toBe("SIGKILL")
      yield* awaitGone(pid, 2_000)
    }))
})
