/**
 * A process group of two for the reaper and port tests (test/fixtures/group_leader.py): a detached
 * leader that starts one worker in its group, both sleeping, the leader optionally listening on a
 * port. Killed with its whole group when the test's scope closes.
 */
import { Effect, type Scope } from "effect"
import * as NodeChild from "node:child_process"
import * as Readline from "node:readline"
import { fileURLToPath } from "node:url"
import { PYTHON, RUN_MARKER } from "../support/Fixture.js"
import { awaitGone } from "../support/Processes.js"

/** A spawned group: its leader (whose pid is the group id) and the worker it started. */
export interface SleepingGroup {
  readonly pid: number
  readonly worker: number
  /** The port the leader listens on, when it was asked to. */
  readonly port: number
}

const LEADER = fileURLToPath(new URL("../fixtures/group_leader.py", import.meta.url))

/** Spawns a leader in its own group (listening on `listen` when given; port 0 = any). */
export const sleepingGroup = (
  listen?: { readonly host: string; readonly port: number }
): Effect.Effect<SleepingGroup, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<SleepingGroup>((resume) => {
      const args = [LEADER, listen?.host ?? "-", String(listen?.port ?? 0), RUN_MARKER]
      const child = NodeChild.spawn(PYTHON, args, { detached: true, stdio: ["ignore", "pipe", "inherit"] })
      Readline.createInterface({ input: child.stdout }).once("line", (line) => {
        const [worker, port] = line.split(" ").map(Number)
        resume(Effect.succeed({ pid: child.pid ?? -1, worker: worker ?? -1, port: port ?? 0 }))
      })
    }),
    (group) =>
      Effect.sync(() => {
        try {
          process.kill(-group.pid, "SIGKILL")
        } catch {
          // Already gone.
        }
      }).pipe(
        // A SIGKILLed process takes a moment to exit: wait, so the file's leftover check never races it.
        Effect.zipRight(Effect.ignore(Effect.all([awaitGone(group.pid, 3_000), awaitGone(group.worker, 3_000)])))
      )
  )
