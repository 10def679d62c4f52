/**
 * OS facts about processes for the tests: is a pid alive, wait (bounded) until it is gone, and the
 * after-suite check that no fixture process of this test file survived.
 */
import { afterAll } from "@effect/vitest"
import { Duration, Effect, Schedule } from "effect"
import * as Fs from "node:fs"
import { RUN_MARKER } from "./Fixture.js"

const isZombie = (pid: number): boolean => {
  try {
    // /proc/<pid>/stat is "pid (comm) S ..."; comm may hold spaces, so read after the last ")".
    const stat = Fs.readFileSync(`/proc/${pid}/stat`, "utf8")
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")
  } catch {
    return false
  }
}

/** Whether `pid` names a live process (an exited but unreaped zombie counts as gone). */
export const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
  } catch (error) {
    // EPERM means it exists but belongs to someone else.
    return error instanceof Error && "code" in error && error.code === "EPERM"
  }
  return !isZombie(pid)
}

/** A process that outlived its deadline. */
export class StillAlive extends Error {
  constructor(readonly pid: number, readonly withinMs: number) {
    super(`process ${pid} is still alive ${withinMs} ms later`)
  }
}

/** Waits until `pid` is gone, polling every 20 ms, for at most `withinMs` (live clock only). */
export const awaitGone = (pid: number, withinMs: number): Effect.Effect<void, StillAlive> =>
  Effect.sync(() => isAlive(pid)).pipe(
    Effect.repeat({ schedule: Schedule.spaced(Duration.millis(20)), while: (alive) => alive }),
    Effect.asVoid,
    Effect.timeoutFail({ duration: Duration.millis(withinMs), onTimeout: () => new StillAlive(pid, withinMs) })
  )

/** Kills `pid` with SIGKILL if it still exists; for finalizers. */
export const killQuietly = (pid: number): void => {
  try {
    process.kill(pid, "SIGKILL")
  } catch {
    // Already gone.
  }
}

/** Live processes whose command line carries `marker` (this file's fixtures, see RUN_MARKER). */
export const processesMarked = (marker: string = RUN_MARKER): Array<{ readonly pid: number; readonly cmdline: string }> => {
  const found: Array<{ pid: number; cmdline: string }> = []
  for (const name of Fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue
    const pid = Number(name)
    if (pid === process.pid) continue
    let cmdline: string
    try {
      cmdline = Fs.readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0").join(" ")
    } catch {
      continue
    }
    // The marker is an argument of the fixture; a node host whose config names it does not carry it.
    if (cmdline.includes(marker) && cmdline.includes(".py") && isAlive(pid)) found.push({ pid, cmdline: cmdline.trim() })
  }
  return found
}

/**
 * Registers an `afterAll` that fails the file when any fixture process it started is still alive,
 * after killing every such process so one failure does not leak into the next run.
 */
export const expectNoLeftoverProcesses = (): void => {
  afterAll(() => {
    const left = processesMarked()
    for (const { pid } of left) killQuietly(pid)
    if (left.length > 0) {
      throw new Error(
        `${left.length} fixture process(es) outlived the tests (now killed):\n` +
          left.map(({ cmdline, pid }) => `  ${pid}: ${cmdline}`).join("\n")
      )
    }
  })
}
