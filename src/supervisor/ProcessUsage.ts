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

const read = (file: string) => Effect.flatMap(FileSystem.FileSystem, (fs) => fs.readFileString(file)).pipe(Effect.option)

/** Seconds since boot, from /proc/uptime. */
const upSeconds = Effect.map(read("/proc/uptime"), Option.map((text) => Number(text.split(" ")[0])))

/** The usage of process `pid` at `up` seconds after boot, or none when /proc does not have it. */
const usageAt = (pid: number, up: Option.Option<number>): Effect.Effect<Option.Option<ProcessUsage>, never, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const [stat, status] = yield* Effect.all([read(`/proc/${pid}/stat`), read(`/proc/${pid}/status`)], { concurrency: 2 })
    const times = Option.flatMap(stat, parseStat)
    const rss = Option.flatMap(status, parseRss)
    if (Option.isNone(times) || Option.isNone(rss) || Option.isNone(up)) return Option.none()
    const wall = up.value - times.value.startSeconds
    const cpuPercent = wall > 0 ? Math.round((times.value.cpuSeconds / wall) * 1000) / 10 : 0
    return Option.some({ cpuPercent, rssBytes: rss.value })
  })

/** The usage of process `pid`, or none when /proc does not have it. */
export const usageOf = (pid: number): Effect.Effect<Option.Option<ProcessUsage>> =>
  Effect.flatMap(upSeconds, (up) => usageAt(pid, up)).pipe(Effect.provide(NodeFileSystem.layer))

const filledIn = (status: ModuleStatus, usage: Option.Option<ProcessUsage>, now: number): ModuleStatus => {
  const readyAt = status.ready_at === undefined ? Option.none() : DateTime.make(status.ready_at)
  return new ModuleStatus({
    ...status,
    ...(Option.isSome(readyAt) ? { uptime_ms: Math.max(0, now - DateTime.toEpochMillis(readyAt.value)) } : {}),
    ...(Option.isSome(usage) ? { cpu_percent: usage.value.cpuPercent, rss_bytes: usage.value.rssBytes } : {})
  })
}

/**
 * The statuses with their processes' usage and uptime filled in (one unchanged when it has no
 * process). The node file system is provided and /proc/uptime read once per call, and the members'
 * files are read a few at a time: a status read of many members stays cheap.
 */
export const withUsages = (statuses: ReadonlyArray<ModuleStatus>): Effect.Effect<ReadonlyArray<ModuleStatus>> =>
  Effect.gen(function*() {
    const up = yield* upSeconds
    const now = yield* Clock.currentTimeMillis
    return yield* Effect.forEach(statuses, (status) =>
      status.pid === undefined
        ? Effect.succeed(status)
        : Effect.map(usageAt(status.pid, up), (usage) => filledIn(status, usage, now)), { concurrency: 8 })
  }).pipe(Effect.provide(NodeFileSystem.layer))

/** The status with its process's usage and its uptime filled in (unchanged when it has no process). */
export const withUsage = (status: ModuleStatus): Effect.Effect<ModuleStatus> =>
  Effect.map(withUsages([status]), (filled) => filled[0] ?? status)
