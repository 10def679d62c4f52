/**
 * Process helpers the cold-start and scale benchmarks share: wall time of a command, memory and CPU
 * from /proc, the children of a process, a free loopback port, and stopping what a benchmark
 * started (by PID only: other engineers run tests on the same machine).
 */
import { type ChildProcess, spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Net from "node:net"

/** How a finished command went. */
export interface Finished {
  readonly wallMs: number
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs `command` to its end and times it from spawn to exit (ms); killed after `timeoutMs`. */
export const runTimed = (
  command: string,
  args: ReadonlyArray<string>,
  options: { readonly cwd: string; readonly env?: NodeJS.ProcessEnv; readonly timeoutMs?: number }
): Promise<Finished> =>
  new Promise((resolve) => {
    const started = process.hrtime.bigint()
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 30_000)
    child.on("exit", (code) => {
      clearTimeout(timer)
      resolve({ wallMs: Number(process.hrtime.bigint() - started) / 1e6, code, stdout, stderr })
    })
  })

/** VmRSS of `pid` in MB, or undefined once it is gone. */
export const rssMb = (pid: number): number | undefined => {
  const status = readProc(`/proc/${pid}/status`)
  const match = status?.match(/^VmRSS:\s+(\d+) kB$/m)
  return match?.[1] === undefined ? undefined : Number(match[1]) / 1024
}

/** User + system CPU time `pid` has used, in ms (from /proc/<pid>/stat; clock ticks are 100 Hz on Linux). */
export const cpuMs = (pid: number): number | undefined => {
  const stat = readProc(`/proc/${pid}/stat`)
  // The command name may hold spaces and parentheses: fields are counted after its closing ')'.
  const fields = stat?.slice(stat.lastIndexOf(")") + 2).split(" ")
  const user = Number(fields?.[11])
  const system = Number(fields?.[12])
  return Number.isFinite(user) && Number.isFinite(system) ? (user + system) * 10 : undefined
}

/** The direct children of `pid` (every thread's list; empty once it is gone). */
export const childrenOf = (pid: number): ReadonlyArray<number> => {
  const tasks = readDir(`/proc/${pid}/task`)
  return tasks.flatMap((task) =>
    (readProc(`/proc/${pid}/task/${task}/children`) ?? "").split(" ").filter((word) => word !== "").map(Number)
  )
}

/** Whether `pid` still runs (a zombie counts as gone). */
export const isAlive = (pid: number): boolean => {
  const stat = readProc(`/proc/${pid}/stat`)
  return stat !== undefined && stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z"
}

/** Sends SIGKILL to each PID still alive; answers those it had to kill. */
export const killLeftovers = (pids: Iterable<number>): ReadonlyArray<number> => {
  const killed: Array<number> = []
  for (const pid of pids) {
    if (!isAlive(pid)) continue
    try {
      process.kill(pid, "SIGKILL")
      killed.push(pid)
    } catch {
      // Gone between the check and the kill.
    }
  }
  return killed
}

/** Waits until `child` exits; SIGKILL after `graceMs`. Answers whether it exited within the grace. */
export const waitExit = (child: ChildProcess, graceMs: number): Promise<boolean> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(true)
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      resolve(false)
    }, graceMs)
    child.once("exit", () => {
      clearTimeout(timer)
      resolve(true)
    })
  })

/** A loopback port nobody listens on (bound, read, released). */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = Net.createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

/** Polls `probe` every `everyMs` until it answers a value or `timeoutMs` passes. */
export const pollUntil = async <A>(probe: () => A | undefined, timeoutMs: number, everyMs = 2): Promise<A | undefined> => {
  const deadline = performance.now() + timeoutMs
  while (performance.now() < deadline) {
    const found = probe()
    if (found !== undefined) return found
    await new Promise((resolve) => setTimeout(resolve, everyMs))
  }
  return undefined
}

/** Median of a non-empty set of numbers (NaN for none). */
export const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? NaN
}

const readProc = (file: string): string | undefined => {
  try {
    return Fs.readFileSync(file, "utf8")
  } catch {
    return undefined
  }
}

const readDir = (dir: string): ReadonlyArray<string> => {
  try {
    return Fs.readdirSync(dir)
  } catch {
    return []
  }
}
