/**
 * CPU and memory of a member's process, read from Linux's /proc when a status is read: CPU is the
 * process's CPU time over its wall time since it started (no sampling state to keep), RSS is VmRSS.
 * Where /proc cannot be read (another OS, a process already gone) the fields are left out.
 */
import { FileSystem } from "@effect/platform"
import { NodeFileSystem } from "@effect/platform-node"
import { Clock, DateTime, Effect, Option } from "effect"
import { ModuleStatus } from "../contract/ModuleStatus.js"

/** Clock ticks per second of /proc's times: USER_HZ, fixed at 100 by the Linux ABI. */
const TICKS_PER_SECOND = 100

/** What /proc says of one process. */
export interface ProcessUsage {
  /** CPU time (user + system) over wall time since the process started, in percent of one core. */
  readonly cpuPercent: number
  readonly rssBytes: number
}

/**
 * CPU seconds and the start time (seconds after boot) from the text of /proc/<pid>/stat. The
 * command name in parentheses may hold spaces, so fields are counted after its closing parenthesis.
 */
export const parseStat = (text: string): Option.Option<{ readonly cpuSeconds: number; readonly startSeconds: number }> => {
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ")
  // After the name: state is field 3 of proc(5), utime 14, stime 15, starttime 22.
  const utime = Number(fields[11])
  const stime = Number(fields[12])
  const start = Number(fields[19])
  return [utime, stime, start].every(Number.isFinite) && fields.length > 19
    ? Option.some({ cpuSeconds: (utime + stime) / TICKS_PER_SECOND, startSeconds: start / TICKS_PER_SECOND })
    : Option.none()
}

/** VmRSS in bytes from the text of /proc/<pid>/status. */
export const parseRss = (text: string): Option.Option<number> => {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(text)
  return match?.[1] === undefined ? Option.none() : Option.some(Number(match[1]) * 1024)
}

// The node file system is provided per read: status readers need no platform layer of their own.
const read = (file: string) =>
  Effect.flatMap(FileSystem.FileSystem, (fs) => fs.readFileString(file)).pipe(Effect.option, Effect.provide(NodeFileSystem.layer))

/** The usage of process `pid`, or none when /proc does not have it. */
export const usageOf = (pid: number): Effect.Effect<Option.Option<ProcessUsage>> =>
  Effect.gen(function*() {
    const [stat, status, uptime] = yield* Effect.all([read(`/proc/${pid}/stat`), read(`/proc/${pid}/status`), read("/proc/uptime")])
    const times = Option.flatMap(stat, parseStat)
    const rss = Option.flatMap(status, parseRss)
    const upSeconds = Option.map(uptime, (text) => Number(text.split(" ")[0]))
    if (Option.isNone(times) || Option.isNone(rss) || Option.isNone(upSeconds)) return Option.none()
    const wall = upSeconds.value - times.value.startSeconds
    const cpuPercent = wall > 0 ? Math.round((times.value.cpuSeconds / wall) * 1000) / 10 : 0
    return Option.some({ cpuPercent, rssBytes: rss.value })
  })

/** The status with its process's usage and its uptime filled in (unchanged when it has no process). */
export const withUsage = (status: ModuleStatus): Effect.Effect<ModuleStatus> =>
  Effect.gen(function*() {
    if (status.pid === undefined) return status
    const usage = yield* usageOf(status.pid)
    const now = yield* Clock.currentTimeMillis
    const readyAt = status.ready_at === undefined ? Option.none() : DateTime.make(status.ready_at)
    return new ModuleStatus({
      ...status,
      ...(Option.isSome(readyAt) ? { uptime_ms: Math.max(0, now - DateTime.toEpochMillis(readyAt.value)) } : {}),
      ...(Option.isSome(usage) ? { cpu_percent: usage.value.cpuPercent, rss_bytes: usage.value.rssBytes } : {})
    })
  })
