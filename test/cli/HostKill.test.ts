/**
 * A host that is SIGKILLed runs no finalizer, yet leaves no module behind: modules exit when their
 * stdin (a pipe the host held) reaches EOF (CONTRACTS §1.2).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as NodeChild from "node:child_process"
import { BIN, fixtureEntryJson } from "../support/Fixture.js"
import { requireBuild } from "../support/Cli.js"
import { awaitGone, expectNoLeftoverProcesses, isAlive, killQuietly } from "../support/Processes.js"
import { tempDir, writeFile } from "../support/TempFiles.js"

requireBuild()
expectNoLeftoverProcesses()

/** Starts `orbiplex start`, killed (with anything it left) when the scope closes. */
const startHost = (configFile: string) =>
  Effect.acquireRelease(
    Effect.sync(() =>
      NodeChild.spawn(process.execPath, [BIN, "start", "--config", configFile], { stdio: ["ignore", "ignore", "pipe"] })
    ),
    (host) => Effect.sync(() => host.pid !== undefined && killQuietly(host.pid))
  )

/** Reads the host's stderr until a line matches `pattern`; fails if the host exits first. */
const awaitLine = (host: NodeChild.ChildProcess, pattern: RegExp) =>
  Effect.async<RegExpExecArray, Error>((resume) => {
    let buffered = ""
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString("utf8")
      const match = pattern.exec(buffered)
      if (match !== null) {
        cleanup()
        resume(Effect.succeed(match))
      }
    }
    const onExit = (code: number | null) => {
      cleanup()
      resume(Effect.fail(new Error(`the host exited (code ${code}) before logging ${pattern}:\n${buffered}`)))
    }
    const cleanup = () => {
      host.stderr?.off("data", onData)
      host.off("exit", onExit)
    }
    host.stderr?.on("data", onData)
    host.once("exit", onExit)
    return Effect.sync(cleanup)
  })

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
