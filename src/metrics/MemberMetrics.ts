/**
 * The supervised members as metric families, read from their statuses at scrape time: a state
 * gauge per state (1 for the current one), restarts, up, uptime, CPU and resident memory.
 */
import { ModuleState } from "../contract/LifecycleFact.js"
import type { ModuleStatus } from "../contract/ModuleStatus.js"
import type { Family, Sample } from "./Prometheus.js"

const labelsOf = (status: ModuleStatus): ReadonlyArray<readonly [string, string]> => [
  ["member", status.executor_id],
  ["kind", status.kind]
]

const family = (
  name: string,
  type: Family["type"],
  help: string,
  statuses: ReadonlyArray<ModuleStatus>,
  value: (status: ModuleStatus) => number | undefined
): Family => ({
  name,
  type,
  help,
  samples: statuses.flatMap((status): Array<Sample> => {
    const measured = value(status)
    return measured === undefined ? [] : [{ name, labels: labelsOf(status), value: measured }]
  })
})

/** The families of `statuses`. */
export const memberFamilies = (statuses: ReadonlyArray<ModuleStatus>): ReadonlyArray<Family> => [
  {
    name: "orbiplex_member_state",
    type: "gauge",
    help: "lifecycle state of each supervised member: 1 for the state it is in, 0 for the others",
    samples: statuses.flatMap((status) =>
      ModuleState.literals.map((state): Sample => ({
        name: "orbiplex_member_state",
        labels: [...labelsOf(status), ["state", state]],
        value: status.state === state ? 1 : 0
      }))
    )
  },
  family("orbiplex_member_up", "gauge", "1 when the member serves (ready or degraded), else 0", statuses, (status) =>
    status.state === "ready" || status.state === "degraded" ? 1 : 0),
  family("orbiplex_member_restarts_total", "counter", "restarts of each member, by its lifetime or an operator", statuses, (status) =>
    status.restarts),
  family("orbiplex_member_uptime_seconds", "gauge", "seconds since the member's current run became ready", statuses, (status) =>
    status.uptime_ms === undefined ? undefined : status.uptime_ms / 1000),
  family(
    "orbiplex_member_cpu_percent",
    "gauge",
    "CPU time of the member's process over its wall time since it started, in percent of one core",
    statuses,
    (status) => status.cpu_percent
  ),
  family("orbiplex_member_resident_memory_bytes", "gauge", "resident set size of the member's process", statuses, (status) =>
    status.rss_bytes)
]
