/**
 * The process groups this host spawned, recorded in `<data_dir>/run/process-groups.json` (written
 * atomically) from spawn until the group has been stopped. A host that was SIGKILLed runs no
 * finalizer, so its record stays; the next start reaps those groups before it spawns anything,
 * but only where the leader is alive with the start time recorded: a process that merely reuses
 * the pid is never signalled.
 */
import { Context, Duration, Effect, Either, Layer, Option, Schedule, Schema } from "effect"
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

/** The record file. */
export const GroupsFile = Schema.Struct({
  schema_version: Schema.Literal("process-groups.v1"),
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
  /** Stops the groups a previous run recorded whose leader is still the same process; call it before spawning. */
  readonly reapLeftovers: Effect.Effect<ReadonlyArray<Reaped>>
  /** Records a group this run spawned for `moduleId`. */
  readonly record: (moduleId: string, leader: GroupLeader) => Effect.Effect<void>
  /** Drops the record of a group that has been stopped. */
  readonly forget: (leader: GroupLeader) => Effect.Effect<void>
  /** The hook `spawnChild` takes, recording under `moduleId`. */
  readonly hookFor: (moduleId: string) => GroupHook
}>() {}

/** The record file's path under `dataDir`. */
export const groupsFilePath = (dataDir: string): string => Path.join(dataDir, "run", "process-groups.json")

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

/** Whether `record`'s leader is the process it names: alive (not a zombie) with the recorded start time. */
export const sameLeader = (record: GroupRecord): boolean => {
  const started = processStartTime(record.leader_pid)
  if (Option.isNone(started) || started.value !== record.start_time) return false
  try {
    const stat = Fs.readFileSync(`/proc/${record.leader_pid}/stat`, "utf8")
    return !stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")
  } catch {
    return false
  }
}

/** Builds the record over `dataDir`; reads what a previous run left, signals nothing yet. */
export const make = (dataDir: string) =>
  Effect.gen(function*() {
    const file = groupsFilePath(dataDir)
    const lock = yield* Effect.makeSemaphore(1)
    const current = new Map<number, GroupRecord>()
    const text = yield* Effect.try(() => Fs.readFileSync(file, "utf8")).pipe(Effect.option)
    let leftovers: ReadonlyArray<GroupRecord> = []
    if (Option.isSome(text)) {
      const decoded = decodeFile(text.value)
      if (Either.isRight(decoded)) leftovers = decoded.right.groups
      else yield* Effect.logWarning(`${file} is not a process-groups.v1 file; leftover groups of a previous run cannot be reaped`)
    }

    // Leftovers not yet reaped stay in the file, so a crash before the reap loses none of them.
    const write = Effect.try(() => {
      Fs.mkdirSync(Path.dirname(file), { recursive: true })
      const temp = `${file}.${process.pid}.tmp`
      Fs.writeFileSync(temp, encodeFile({ schema_version: "process-groups.v1", groups: [...leftovers, ...current.values()] }))
      Fs.renameSync(temp, file)
    }).pipe(
      Effect.catchAll((error) =>
        Effect.logWarning(`cannot write ${file} (${String(error.error)}); a crash of this host could leave processes behind`)
      ),
      lock.withPermits(1)
    )

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
      Effect.suspend(() => {
        current.set(leader.pid, GroupRecord.make({ pgid: leader.pid, leader_pid: leader.pid, start_time: leader.startTime, module_id: moduleId }))
        return write
      })
    const forget = (leader: GroupLeader) => Effect.suspend(() => (current.delete(leader.pid) ? write : Effect.void))

    return ProcessGroups.of({
      reapLeftovers: Effect.gen(function*() {
        const reaped = yield* Effect.forEach(leftovers, reapOne, { concurrency: "unbounded" })
        leftovers = []
        if (reaped.length > 0) yield* write
        return reaped
      }),
      record,
      forget,
      hookFor: (moduleId) => ({ record: (leader) => record(moduleId, leader), forget })
    })
  })

/** The record kept under `dataDir`. */
export const layer = (dataDir: string): Layer.Layer<ProcessGroups> => Layer.effect(ProcessGroups, make(dataDir))
