/**
 * Nothing outlives a crashed host for long: a module whose stdin reaches EOF (the pipe a SIGKILLed
 * host leaves behind) stops its whole process group before it exits, so the processes it started go
 * with it, even one that ignores SIGTERM.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as NodeChild from "node:child_process"
import * as Readline from "node:readline"
import { fileURLToPath } from "node:url"
import { FIXTURES_DIR, PYTHON, RUN_MARKER } from "../support/Fixture.js"
import { awaitGone, expectNoLeftoverProcesses, isAlive } from "../support/Processes.js"

expectNoLeftoverProcesses()

const SPAWNER_SCRIPT = fileURLToPath(new URL("../fixtures/spawner_module.py", import.meta.url))

/** The spawner module started as the host starts a module (detached, stdin a pipe), until it announced. */
const startSpawner = (env: Record<string, string>) =>
  Effect.acquireRelease(
    Effect.async<{ readonly child: NodeChild.ChildProcess; readonly worker: number }>((resume) => {
      const child = NodeChild.spawn(PYTHON, [SPAWNER_SCRIPT, RUN_MARKER], {
        cwd: FIXTURES_DIR,
        env: { FIXTURE_MODE: "ok", ORBIPLEX_LISTEN_HOST: "127.0.0.1", ORBIPLEX_LISTEN_PORT: "0", ...env },
        stdio: ["pipe", "pipe", "pipe"],
        detached: true
      })
      let worker = -1
      Readline.createInterface({ input: child.stderr }).on("line", (line) => {
        const match = /^worker pid=(\d+)/.exec(line)
        if (match?.[1] !== undefined) worker = Number(match[1])
      })
      // The announcement comes after the worker line and after the module watches its stdin.
      Readline.createInterface({ input: child.stdout }).once("line", () => resume(Effect.succeed({ child, worker })))
    }),
    ({ child, worker }) =>
      Effect.sync(() => {
        for (const target of [-(child.pid ?? 0), worker]) {
          try {
            process.kill(target, "SIGKILL")
          } catch {
            // Already gone.
          }
        }
      })
  )

const exitOf = (child: NodeChild.ChildProcess) =>
  Effect.async<number | null>((resume) => {
    if (child.exitCode !== null) return resume(Effect.succeed(child.exitCode))
    child.once("exit", (code) => resume(Effect.succeed(code)))
  })

describe("a module whose host is gone", () => {
  for (const [name, env] of [["a worker", {}], ["a worker that ignores SIGTERM", { SPAWNER_STUBBORN: "1" }]] as const) {
    it.scopedLive(`stops its process group on stdin EOF: ${name} goes with it`, () =>
      Effect.gen(function*() {
        const { child, worker } = yield* startSpawner(env)
        expect(worker).toBeGreaterThan(0)
        expect(isAlive(worker)).toBe(true)
        // What the kernel does to the pipe when the host is SIGKILLed: its write end closes.
        child.stdin?.end()
        expect(yield* exitOf(child)).toBe(0)
        yield* awaitGone(worker, 5_000)
      }))
  }
})
