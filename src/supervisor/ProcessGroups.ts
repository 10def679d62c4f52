/**
 * The process groups this host spawned, recorded in `<data_dir>/run/process-groups/<host>.json`
 * (one file per host process, written atomically) from spawn until the group has been stopped. A
 * host that was SIGKILLed runs no finalizer, so its file stays; the next start reaps the groups of
 * every file whose host is gone, before it spawns anything, but only where the leader is alive
 * with the start time recorded: a process that merely reuses the pid is never signalled. A file
 * whose host still runs (two hosts sharing a data_dir) is left alone.
 */
import { FileSystem } from "@effect/platform"
import { NodeFileSystem } from "@effect/platform-node"
import { Context, Duration, Effect, Either, Layer, Option, Schedule, Schema } from "effect"
// Only for /proc/<pid>/stat: a synchronous predicate polled every 20 ms while a group is reaped.
import * as Fs from "node:fs"
import * as Path from "node:path"
import { type GroupHook, type GroupLeader, processStartTime } from "./ChildProcess.js"

/** One spawned process group. */
export class GroupRecord extends Schema.Class<GroupRecord>("GroupRecord")({
  pgid: Schema.Int,
  leader_pid: Schema.Int,
  /** Field 22 of the leader's /proc/<pid>/stat when it was spawned. */
  start_time: Schema.Number,
  module_id: Schema.String
}) {}

/** A host process: its pid and start time. */
export const HostIdentity = Schema.Struct({ pid: Schema.Int, start_time: Schema.Number })

/** One host's record file. */
export const GroupsFile = Schema.Struct({
  schema_version: Schema.Literal("process-groups.v1"),
  host: HostIdentity,
  groups: Schema.Array(GroupRecord)
})

/** What `reapLeftovers` did with one record of a previous run. */
export interface Reaped {
  readonly record: GroupRecord
  /** `stopped`: the group got SIGTERM (and SIGKILL after the grace); `gone`: no process with that identity lives. */
  readonly outcome: "stopped" | "gone"
}

/** The record of spawned process groups. */
export class ProcessGroups extends Context.Tag("orbiplex/ProcessGroups")<ProcessGroups, {
  /** This host's record file. */
  readonly file: string
  /** Stops the groups a previous run recorded whose leader is still the same process; call it before spawning. */
  readonly reapLeftovers: Effect.Effect<ReadonlyArray<Reaped>>
  /** Records a group this run spawned for `moduleId`. */
  readonly record: (moduleId: string, leader: GroupLeader) => Effect.Effect<void>
  /** Drops the record of a group that has been stopped. */
  readonly forget: (leader: GroupLeader) => Effect.Effect<void>
  /** The hook `spawnChild` takes, recording under `moduleId`. */
  readonly hookFor: (moduleId: string) => GroupHook
}>() {}

/** The folder of the record files under `dataDir`. */
export const groupsFolder = (dataDir: string): string => Path.join(dataDir, "run", "process-groups")

/** The record file of the host `host` under `dataDir`. */
export const groupsFilePath = (dataDir: string, host: typeof HostIdentity.Type): string =>
  Path.join(groupsFolder(dataDir), `${host.pid}-${host.start_time}.json`)

/** How long a leftover group has after SIGTERM before SIGKILL. */
const REAP_GRACE_MS = 1_000

const decodeFile = Schema.decodeUnknownEither(Schema.parseJson(GroupsFile))
const encodeFile = Schema.encodeSync(Schema.parseJson(GroupsFile, { space: 2 }))

const signalGroup = (pgid: number, signal: NodeJS.Signals): void => {
  try {
    process.kill(-pgid, signal)
  } catch {
    // The group is already gone.
  }
}

/** Whether `pid` is alive (not a zombie) and started at `startTime`. */
const sameProcess = (pid: number, startTime: number): boolean => {
  const started = processStartTime(pid)
  if (Option.isNone(started) || started.value !== startTime) return false
  try {
    const stat = Fs.readFileSync(`/proc/${pid}/stat`, "utf8")
    return !stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")
  } catch {
    return false
  }
}

/** Whether `record`'s leader is the process it names: alive (not a zombie) with the recorded start time. */
export const sameLeader = (record: GroupRecord): boolean => sameProcess(record.leader_pid, record.start_time)

/** The record files of other hosts under `dataDir`, decoded; a file that does not decode is named with its problem. */
const otherFiles = (fs: FileSystem.FileSystem, dataDir: string, own: string) =>
  Effect.gen(function*() {
    const folder = groupsFolder(dataDir)
    const names = yield* fs.readDirectory(folder).pipe(Effect.orElseSucceed((): Array<string> => []))
    const files: Array<{ readonly file: string; readonly content: typeof GroupsFile.Type }> = []
    for (const name of names) {
      const file = Path.join(folder, name)
      if (!name.endsWith(".json") || file === own) continue
      const text = yield* fs.readFileString(file).pipe(Effect.option)
      const decoded = Option.flatMap(text, (content) => Either.getRight(decodeFile(content)))
      if (Option.isSome(decoded)) files.push({ file, content: decoded.value })
      else yield* Effect.logWarning(`${file} is not a process-groups.v1 file; the groups it may name cannot be reaped`)
    }
    return files
  })

/** Builds the record over `dataDir` for this host process; signals nothing yet. */
export const make = (dataDir: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const host = { pid: process.pid, start_time: Option.getOrElse(processStartTime(process.pid), () => 0) }
    const file = groupsFilePath(dataDir, host)
    const lock = yield* Effect.makeSemaphore(1)
    const current = new Map<number, GroupRecord>()

    // Every change bumps `version`; a write saves the state as of its start and notes that version.
    // A caller whose change an earlier write already saved returns at once: when many modules start
    // together their records coalesce into a few writes instead of one whole-file write each.
    let version = 0
    let saved = 0

    // A host with no group left running has no file: a clean shutdown leaves nothing to reap.
    const writeState = Effect.suspend(() => {
      if (current.size === 0) return fs.remove(file, { force: true })
      const temp = `${file}.tmp`
      return fs.makeDirectory(Path.dirname(file), { recursive: true }).pipe(
        Effect.zipRight(fs.writeFileString(temp, encodeFile({ schema_version: "process-groups.v1", host, groups: [...current.values()] }))),
        Effect.zipRight(fs.rename(temp, file))
      )
    }).pipe(
      Effect.catchAll((error) =>
        Effect.logWarning(`cannot write ${file} (${error.message}); a crash of this host could leave processes behind`)
      )
    )

    /** Saves the state once it includes change number `change` (now, or already by another write). */
    const saveThrough = (change: number) =>
      lock.withPermits(1)(Effect.suspend(() => {
        if (saved >= change) return Effect.void
        const upTo = version
        return Effect.tap(writeState, () => Effect.sync(() => (saved = upTo)))
      }))

    /** Applies `change` to the state; true when it changed anything worth saving. */
    const changeAndSave = (change: () => boolean) =>
      Effect.suspend(() => {
        if (!change()) return Effect.void
        version += 1
        return saveThrough(version)
      })

    const reapOne = (record: GroupRecord): Effect.Effect<Reaped> =>
      Effect.gen(function*() {
        if (!sameLeader(record)) return { record, outcome: "gone" as const }
        signalGroup(record.pgid, "SIGTERM")
        yield* Effect.sync(() => sameLeader(record)).pipe(
          Effect.repeat({ schedule: Schedule.spaced(Duration.millis(20)), while: (alive) => alive }),
          Effect.timeoutOption(Duration.millis(REAP_GRACE_MS))
        )
        // Whatever is left of the group (the leader, or children it started) goes now.
        signalGroup(record.pgid, "SIGKILL")
        yield* Effect.logWarning(
          `reaped process group ${record.pgid} of module ${record.module_id} (leader pid ${record.leader_pid}), ` +
            `left running by a previous run of this host`
        )
        return { record, outcome: "stopped" as const }
      })

    const record = (moduleId: string, leader: GroupLeader) =>
      changeAndSave(() => {
        current.set(leader.pid, GroupRecord.make({ pgid: leader.pid, leader_pid: leader.pid, start_time: leader.startTime, module_id: moduleId }))
        return true
      })
    const forget = (leader: GroupLeader) => changeAndSave(() => current.delete(leader.pid))

    return ProcessGroups.of({
      file,
      reapLeftovers: Effect.gen(function*() {
        const reaped: Array<Reaped> = []
        for (const { content, file: other } of yield* otherFiles(fs, dataDir, file)) {
          // Another host that still runs shares this data_dir: its groups are not leftovers.
          if (sameProcess(content.host.pid, content.host.start_time)) continue
          reaped.push(...yield* Effect.forEach(content.groups, reapOne, { concurrency: "unbounded" }))
          yield* fs.remove(other, { force: true }).pipe(Effect.ignore)
        }
        return reaped
      }),
      record,
      forget,
      hookFor: (moduleId) => ({ record: (leader) => record(moduleId, leader), forget })
    })
  })

/** The record kept under `dataDir`. */
export const layer = (dataDir: string): Layer.Layer<ProcessGroups> =>
  Layer.effect(ProcessGroups, make(dataDir)).pipe(Layer.provide(NodeFileSystem.layer))

/**
 * The record under `dataDir`, with the leftovers of crashed runs reaped while the layer is built:
 * whatever depends on it (the supervisor) spawns nothing before the reap is done.
 */
export const layerReaped = (dataDir: string): Layer.Layer<ProcessGroups> =>
  Layer.effect(ProcessGroups, Effect.tap(make(dataDir), (groups) => groups.reapLeftovers)).pipe(Layer.provide(NodeFileSystem.layer))
