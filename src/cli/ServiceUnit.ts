/**
 * The systemd unit that runs a node: absolute paths (systemd resolves nothing against a PATH or a
 * folder), `Restart=on-failure`, `KillMode=mixed` (SIGTERM to the host alone, which stops its modules
 * in order; SIGKILL to the whole cgroup only if the host overstays), a stop timeout above what
 * the host's own stop can take, and a cache folder of the service's own for the bin's compile cache
 * (a service user may have no writable home).
 */
import type { NodeConfig } from "../config/NodeConfig.js"
import { enabledModules } from "../config/NodeConfig.js"

/** Seconds added to the members' graces, for the host's own teardown (flushing, closing the store). */
export const STOP_MARGIN_SEC = 10

/**
 * Seconds systemd waits after SIGTERM. The host stops its members one after another, each within
 * its grace, so the worst case is the sum of the graces (at least the largest one), plus the margin.
 */
export const stopTimeoutSec = (config: NodeConfig): number => {
  const graces = [
    ...enabledModules(config).map((entry) => entry.stop.grace_ms),
    ...config.providers.filter((entry) => entry.launch !== undefined).map((entry) => entry.stop.grace_ms)
  ]
  const total = graces.reduce((sum, grace) => sum + grace, 0)
  return Math.ceil(total / 1000) + STOP_MARGIN_SEC
}

/** What the unit names. */
export interface UnitPaths {
  /** The Node.js binary (absolute). */
  readonly node: string
  /** dist/cli/orbiplex.js (absolute). */
  readonly bin: string
  /** The config file (absolute). */
  readonly config: string
  /** The folder the node runs in: the config's folder, where its relative paths resolve anyway. */
  readonly workingDirectory: string
}

// systemd splits ExecStart on spaces and reads quotes: a path with a space must be quoted.
const quote = (word: string): string => /[\s"'\\]/.test(word) ? `"${word.replace(/(["\\])/g, "\\$1")}"` : word

/** The unit file's text. */
export const renderUnit = (config: NodeConfig, paths: UnitPaths): string =>
  [
    "[Unit]",
    `Description=Orbiplex node ${config.node.id}`,
    "After=network.target",
    "",
    "[Service]",
    "Type=simple",
    `WorkingDirectory=${paths.workingDirectory}`,
    `ExecStart=${[paths.node, paths.bin, "start", "--config", paths.config].map(quote).join(" ")}`,
    // `orbiplex reload` does the same through the operator API.
    "ExecReload=/bin/kill -HUP $MAINPID",
    // systemd makes %C/orbiplex (/var/cache/orbiplex, or ~/.cache/orbiplex for a user unit) for the
    // service's user; the bin keeps V8's code cache there (src/launch/CompileCache.ts).
    "CacheDirectory=orbiplex",
    "Environment=ORBIPLEX_COMPILE_CACHE=%C/orbiplex",
    "Restart=on-failure",
    "RestartSec=2",
    "KillMode=mixed",
    "KillSignal=SIGTERM",
    `TimeoutStopSec=${stopTimeoutSec(config)}`,
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    ""
  ].join("\n")
