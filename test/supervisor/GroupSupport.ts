/**
 * A process group of two for the reaper and port tests: a detached Python leader that starts one
 * worker in its group, both sleeping (and, optionally, the leader listening on a port). Killed with
 * its whole group when the test's scope closes.
 */
import { Effect, type Scope } from "effect"
import * as NodeChild from "node:child_process"
import * as Readline from "node:readline"
import { PYTHON, RUN_MARKER } from "../support/Fixture.js"

/** A spawned group: its leader (whose pid is the group id) and the worker it started. */
export interface SleepingGroup {
  readonly pid: number
  readonly worker: number
  /** The port the leader listens on, when it was asked to. */
  readonly port: number
}

const LEADER = `
import socket, subprocess, sys, time
port = 0
if sys.argv[1] != "-":
    server = socket.socket(socket.AF_INET6 if sys.argv[1] == "::1" else socket.AF_INET)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((sys.argv[1], int(sys.argv[2])))
    server.listen()
    port = server.getsockname()[1]
worker = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)", *sys.argv[3:]], stdin=subprocess.DEVNULL)
print(worker.pid, port, flush=True)
time.sleep(120)
`

/** Spawns a leader in its own group (listening on `listen` when given; port 0 = any). */
export const sleepingGroup = (
  listen?: { readonly host: string; readonly port: number }
): Effect.Effect<SleepingGroup, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<SleepingGroup>((resume) => {
      const args = ["-c", LEADER, listen?.host ?? "-", String(listen?.port ?? 0), "group_support.py", RUN_MARKER]
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
      })
  )
