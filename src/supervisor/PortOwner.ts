/**
 * Who listens on a TCP port, as /proc tells it: the LISTEN sockets on the port in /proc/net/tcp and
 * tcp6 give inodes, and the processes holding `socket:[inode]` among their fds are the holders.
 * A module with a fixed port is checked before the spawn (a port already held names its holder),
 * and its readiness counts only when the listening socket belongs to its own process group: a
 * leftover of an earlier run answering /readyz on the same port must not pass for the new module.
 */
import { Effect, Option, Schema } from "effect"
// Synchronous /proc reads: one scan of every process's fds, polled during readiness; reading them
// through an async file system would multiply the scheduling for a few microseconds of work each.
import * as Fs from "node:fs"

/** A process holding a listening socket. */
export interface PortHolder {
  readonly pid: number
  /** Its process group. */
  readonly pgid: number
  /** Its command line, arguments joined by spaces (cut at 200 characters). */
  readonly command: string
}

/** Whether a port's listening socket belongs to a process group. */
export type PortOwnership =
  | { readonly _tag: "Owned"; readonly holder: PortHolder }
  | { readonly _tag: "Foreign"; readonly holder: Option.Option<PortHolder> }
  | { readonly _tag: "NotListening" }

const LISTEN = "0A"

/** The inodes of the LISTEN sockets on `port` in one /proc/net table. */
const listenInodes = (table: string, port: number): Array<string> => {
  let text: string
  try {
    text = Fs.readFileSync(table, "utf8")
  } catch {
    return []
  }
  const found: Array<string> = []
  for (const line of text.split("\n").slice(1)) {
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
    const fields = line.trim().split(/\s+/)
    const local = fields[1]
    const inode = fields[9]
    if (local === undefined || inode === undefined || fields[3] !== LISTEN || inode === "0") continue
    if (Number.parseInt(local.slice(local.lastIndexOf(":") + 1), 16) === port) found.push(inode)
  }
  return found
}

const readStat = (pid: string): Option.Option<Array<string>> => {
  try {
    const stat = Fs.readFileSync(`/proc/${pid}/stat`, "utf8")
    return Option.some(stat.slice(stat.lastIndexOf(")") + 2).split(" "))
  } catch {
    return Option.none()
  }
}

const commandOf = (pid: string): string => {
  try {
    return Fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").replace(/\s+/g, " ").trim().slice(0, 200)
  } catch {
    return "(unknown command)"
  }
}

const holdsAny = (pid: string, sockets: ReadonlySet<string>): boolean => {
  let fds: Array<string>
  try {
    fds = Fs.readdirSync(`/proc/${pid}/fd`)
  } catch {
    return false
  }
  for (const fd of fds) {
    try {
      if (sockets.has(Fs.readlinkSync(`/proc/${pid}/fd/${fd}`))) return true
    } catch {
      // The fd closed while we looked.
    }
  }
  return false
}

/** Every process holding a LISTEN socket on `port` (several when a listener forked); empty when none, or when /proc cannot tell. */
export const portHolders = (port: number): Effect.Effect<ReadonlyArray<PortHolder>> =>
  Effect.sync(() => {
    const inodes = [...listenInodes("/proc/net/tcp", port), ...listenInodes("/proc/net/tcp6", port)]
    if (inodes.length === 0) return []
    const sockets = new Set(inodes.map((inode) => `socket:[${inode}]`))
    const holders: Array<PortHolder> = []
    for (const name of Fs.readdirSync("/proc")) {
      if (!/^\d+$/.test(name) || !holdsAny(name, sockets)) continue
      const stat = readStat(name)
      const pgid = Option.isSome(stat) ? Number(stat.value[2]) : -1
      holders.push({ pid: Number(name), pgid, command: commandOf(name) })
    }
    return holders
  })

/** Whether anything listens on `port`: `Some` names a holder when /proc tells one. */
export const portOwner = (port: number): Effect.Effect<Option.Option<PortHolder>> =>
  Effect.map(portHolders(port), (holders) => Option.fromNullable(holders[0]))

/** Whether `port`'s listening socket belongs to process group `pgid`. */
export const ownedByGroup = (port: number, pgid: number): Effect.Effect<PortOwnership> =>
  Effect.suspend(() => {
    const inodes = [...listenInodes("/proc/net/tcp", port), ...listenInodes("/proc/net/tcp6", port)]
    if (inodes.length === 0) return Effect.succeed<PortOwnership>({ _tag: "NotListening" })
    // The fast path: the group's leader (the module itself, usually) holds the socket. A scan of
    // every process's fds costs tens of milliseconds on a busy machine; this costs one folder.
    if (holdsAny(String(pgid), new Set(inodes.map((inode) => `socket:[${inode}]`)))) {
      return Effect.succeed<PortOwnership>({ _tag: "Owned", holder: { pid: pgid, pgid, command: commandOf(String(pgid)) } })
    }
    return Effect.map(portHolders(port), (holders): PortOwnership => {
      const own = holders.find((holder) => holder.pgid === pgid)
      return own !== undefined ? { _tag: "Owned", holder: own } : { _tag: "Foreign", holder: Option.fromNullable(holders[0]) }
    })
  })

/** The fixed port of a module's `http.endpoint`, or 0 when the module is to pick one. */
export const fixedPortOf = (endpoint: string): number => {
  const port = Number(new URL(endpoint).port)
  return Number.isInteger(port) ? port : 0
}

const describeHolder = (pid: number | undefined, command: string | undefined): string =>
  pid === undefined ? "another process (/proc does not say which)" : `pid ${pid} (${command ?? "unknown command"})`

/** A module's fixed port is already taken before its spawn. */
export class PortHeld extends Schema.TaggedError<PortHeld>()("PortHeld", {
  executor_id: Schema.String,
  port: Schema.Number,
  pid: Schema.optional(Schema.Number),
  command: Schema.optional(Schema.String)
}) {
  get message(): string {
    return `port ${this.port} of module ${this.executor_id} (http.endpoint) is already held by ` +
      `${describeHolder(this.pid, this.command)}: stop that process, or give the module another port (0 lets it pick)`
  }
}

/** The module's port answers, but its listening socket belongs to a process outside the module's group. */
export class PortNotOurs extends Schema.TaggedError<PortNotOurs>()("PortNotOurs", {
  executor_id: Schema.String,
  port: Schema.Number,
  pid: Schema.optional(Schema.Number),
  command: Schema.optional(Schema.String)
}) {
  get message(): string {
    return `port ${this.port} answers but is held by ${describeHolder(this.pid, this.command)}, not by module ` +
      `${this.executor_id}: stop that process, or give the module another port (0 lets it pick)`
  }
}

/** Fails when anything listens on `port` (call before spawning a module with a fixed port). */
export const checkPortFree = (executorId: string, port: number): Effect.Effect<void, PortHeld> =>
  Effect.flatMap(portHolders(port), (holders) => {
    const [first] = holders
    if (first !== undefined) return new PortHeld({ executor_id: executorId, port, pid: first.pid, command: first.command })
    // /proc may list the socket with no holder we can see (another namespace): still taken.
    return Effect.flatMap(
      Effect.sync(() => listenInodes("/proc/net/tcp", port).length + listenInodes("/proc/net/tcp6", port).length),
      (listening) => (listening > 0 ? new PortHeld({ executor_id: executorId, port }) : Effect.void)
    )
  })

/** Fails unless `port`'s listening socket belongs to process group `pgid` (call once the module is ready). */
export const checkPortOwned = (executorId: string, port: number, pgid: number): Effect.Effect<void, PortNotOurs> =>
  Effect.flatMap(ownedByGroup(port, pgid), (ownership) =>
    ownership._tag === "Foreign"
      ? new PortNotOurs({
        executor_id: executorId,
        port,
        ...Option.match(ownership.holder, {
          onNone: () => ({}),
          onSome: (holder) => ({ pid: holder.pid, command: holder.command })
        })
      })
      : Effect.void)

/**
 * `probe`, counted healthy only while the member's own process group holds its fixed `port`: a
 * leftover that took the port over (the member died, the leftover answers) fails the check with
 * "port N answers but is held by pid M". Port 0 (the member announced its port) needs no check.
 */
export const ownedProbe = <A>(
  executorId: string,
  fixedPort: number,
  pgid: number,
  probe: Effect.Effect<A, string>
): Effect.Effect<A, string> =>
  fixedPort > 0
    ? Effect.zipRight(Effect.mapError(checkPortOwned(executorId, fixedPort, pgid), (foreign) => foreign.message), probe)
    : probe
