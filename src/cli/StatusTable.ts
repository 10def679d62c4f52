/**
 * What `orbiplex status` prints: one row per member (module or provider) and the exit code that
 * tells a script whether the node is whole, after the LSB convention `systemctl status` follows.
 */
import { isServing } from "../contract/LifecycleFact.js"
import type { ModuleStatus } from "../contract/ModuleStatus.js"

const COLUMNS = ["ID", "KIND", "STATE", "PID", "PORT", "UPTIME", "RESTARTS", "LAST EXIT", "CPU%", "RSS"] as const

/** Every member runs: ready, degraded, or on its way to ready. */
export const EXIT_RUNNING = 0
/** Some member is failed, stopped or stopping: it will not serve without an operator. */
export const EXIT_NOT_RUNNING = 3

// LSB's "program is not running": the states a member does not leave by itself towards serving.
const isDown = (status: ModuleStatus): boolean =>
  !isServing(status.state) && status.state !== "starting"

/**
 * 0 when every member is ready, degraded or starting (a start in progress is running, as LSB and
 * `systemctl status` count it), 3 when any is failed, stopped or stopping; a node that does not
 * answer ends the command with 1.
 */
export const statusExitCode = (members: ReadonlyArray<ModuleStatus>): number =>
  members.some(isDown) ? EXIT_NOT_RUNNING : EXIT_RUNNING

/** `1d2h`, `3h4m`, `5m6s`, `7s`: the two largest units of a duration. */
export const formatUptime = (millis: number): string => {
  const seconds = Math.floor(millis / 1000)
  const [d, h, m, s] = [Math.floor(seconds / 86_400), Math.floor(seconds / 3600) % 24, Math.floor(seconds / 60) % 60, seconds % 60]
  return d > 0 ? `${d}d${h}h` : h > 0 ? `${h}h${m}m` : m > 0 ? `${m}m${s}s` : `${s}s`
}

/** Bytes as KiB / MiB / GiB, one decimal. */
export const formatBytes = (bytes: number): string =>
  bytes >= 1024 ** 3
    ? `${(bytes / 1024 ** 3).toFixed(1)}G`
    : bytes >= 1024 ** 2
    ? `${(bytes / 1024 ** 2).toFixed(1)}M`
    : `${(bytes / 1024).toFixed(1)}K`

const lastExit = (status: ModuleStatus): string => {
  const exit = status.last_exit
  if (exit === undefined) return "-"
  const how = exit.signal !== undefined ? exit.signal : `code ${exit.code ?? "?"}`
  return exit.at === "" ? how : `${how} at ${exit.at}`
}

const dash = (value: number | undefined, format: (value: number) => string = String): string =>
  value === undefined ? "-" : format(value)

/** The status table, one row per member, columns padded to their widest cell; failed members' last errors below it. */
export const formatStatusTable = (members: ReadonlyArray<ModuleStatus>): ReadonlyArray<string> => {
  if (members.length === 0) return ["no modules configured"]
  const rows = members.map((status) => [
    status.executor_id,
    status.kind,
    status.state,
    dash(status.pid),
    dash(status.port),
    dash(status.uptime_ms, formatUptime),
    String(status.restarts),
    lastExit(status),
    dash(status.cpu_percent, (cpu) => cpu.toFixed(1)),
    dash(status.rss_bytes, formatBytes)
  ])
  const table: ReadonlyArray<ReadonlyArray<string>> = [COLUMNS, ...rows]
  const widths = COLUMNS.map((_, column) => Math.max(...table.map((row) => (row[column] ?? "").length)))
  const lines = table.map((row) => row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join("  ").trimEnd())
  // A failed member's last error is what the operator needs next; it goes under the table.
  const errors = members.flatMap((status) =>
    status.state === "failed" && status.last_error !== undefined ? [`${status.executor_id}: ${status.last_error}`] : []
  )
  return errors.length === 0 ? lines : [...lines, "", ...errors]
}
