/**
 * The record of spawned process groups: written while a child runs and dropped once it is stopped,
 * and, on the next start, leftovers of a crashed run reaped only where the leader is still the same
 * process (alive with the recorded start time).
 */
import { NodeFileSystem } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Option, Schema, Scope } from "effect"
import * as Fs from "node:fs"
import { fixtureEntry, PYTHON, RUN_MARKER } from "../support/Fixture.js"
import { awaitGone, expectNoLeftoverProcesses, isAlive } from "../support/Processes.js"
import { tempDir, writeFile } from "../support/TempFiles.js"
import { processStartTime, spawnChild } from "../../src/supervisor/ChildProcess.js"
import { GroupsFile, groupsFilePath, make, ProcessGroups } from "../../src/supervisor/ProcessGroups.js"
import { quiet, runningOf, startNode } from "../support/Node.js"
import { sleepingGroup } from "./GroupSupport.js"

expectNoLeftoverProcesses()

const readGroups = (file: string) =>
  Fs.existsSync(file) ? Schema.decodeUnknownSync(Schema.parseJson(GroupsFile))(Fs.readFileSync(file, "utf8")).groups : []

/** A host that is gone (no such pid), whose record file a test writes. */
const deadHost = { pid: 4_194_000, start_time: 1 }

const startTimeOf = (pid: number): number =>
  Option.getOrThrowWith(processStartTime(pid), () => new Error(`no /proc/${pid}/stat`))

describe("ProcessGroups", () => {
  it.scopedLive("spawnChild records its group while it runs and forgets it once stopped", () =>
    Effect.gen(function*() {
      const dataDir = yield* tempDir
      const groups = yield* make(dataDir).pipe(Effect.provide(NodeFileSystem.layer))
      const scope = yield* Scope.make()
      const child = yield* spawnChild(
        { executable: PYTHON, args: ["-c", "import sys; sys.stdin.read()", "child.py", RUN_MARKER], cwd: dataDir, env: {}, graceMs: 500 },
        groups.hookFor("orbiplex-test")
      ).pipe(Scope.extend(scope))
      expect(groups.file).toBe(groupsFilePath(dataDir, { pid: process.pid, start_time: startTimeOf(process.pid) }))
      expect(readGroups(groups.file)).toEqual([
        { pgid: child.pid, leader_pid: child.pid, start_time: startTimeOf(child.pid), module_id: "orbiplex-test" }
      ])
      yield* Scope.close(scope, Exit.void)
      expect(Fs.existsSync(groups.file)).toBe(false)
    }))

  it.scopedLive("records made at once coalesce, and each caller returns only once its record is in the file", () =>
    Effect.gen(function*() {
      const dataDir = yield* tempDir
      const groups = yield* make(dataDir).pipe(Effect.provide(NodeFileSystem.layer))
      // Leaders that need not exist: recording only writes the file.
      const leaders = Array.from({ length: 40 }, (_, i) => ({ pid: 4_000_000 + i, startTime: i + 1 }))
      const seenAfterOwn = yield* Effect.forEach(
        leaders,
        (leader, i) =>
          Effect.zipRight(
            groups.record(`module-${i}`, leader),
            Effect.sync(() => readGroups(groups.file).some((group) => group.leader_pid === leader.pid))
          ),
        { concurrency: "unbounded" }
      )
      expect(seenAfterOwn.every(Boolean)).toBe(true)
      expect(readGroups(groups.file).map((group) => group.leader_pid).sort()).toEqual(leaders.map((leader) => leader.pid))
      yield* Effect.forEach(leaders.slice(1), groups.forget, { concurrency: "unbounded", discard: true })
      expect(readGroups(groups.file).map((group) => group.module_id)).toEqual(["module-0"])
      yield* groups.forget(leaders[0]!)
      expect(Fs.existsSync(groups.file)).toBe(false)
    }))

  it.scopedLive("a node given ProcessGroups records each module's group while it runs and forgets it when stopped", () =>
    Effect.gen(function*() {
      const dataDir = yield* tempDir
      const groups = yield* make(dataDir).pipe(Effect.provide(NodeFileSystem.layer))
      const node = yield* startNode([fixtureEntry("recorded", "ok")]).pipe(Effect.provideService(ProcessGroups, groups))
      const running = yield* runningOf(node, "recorded")
      expect(readGroups(groups.file)).toEqual([
        { pgid: running.pid, leader_pid: running.pid, start_time: startTimeOf(running.pid), module_id: "fixture-module" }
      ])
      yield* node.close
      expect(Fs.existsSync(groups.file)).toBe(false)
    }).pipe(quiet))

  it.scopedLive("reaps a leftover group whose leader is the same process, its worker too, and nothing else", () =>
    Effect.gen(function*() {
      const dataDir = yield* tempDir
      const leftover = yield* sleepingGroup()
      const stranger = yield* sleepingGroup()
      const leftFile = writeFile(dataDir, "run/process-groups/4194000-1.json", {
        schema_version: "process-groups.v1",
        host: deadHost,
        groups: [
          { pgid: leftover.pid, leader_pid: leftover.pid, start_time: startTimeOf(leftover.pid), module_id: "left" },
          // The same pid, but a process started at another time: one that merely reuses the pid.
          { pgid: stranger.pid, leader_pid: stranger.pid, start_time: startTimeOf(stranger.pid) + 1, module_id: "reused" },
          { pgid: 4_194_000, leader_pid: 4_194_000, start_time: 1, module_id: "gone" }
        ]
      })
      const groups = yield* make(dataDir).pipe(Effect.provide(NodeFileSystem.layer))
      const reaped = yield* groups.reapLeftovers
      expect(reaped.map(({ outcome, record }) => `${record.module_id}:${outcome}`)).toEqual([
        "left:stopped",
        "reused:gone",
        "gone:gone"
      ])
      yield* awaitGone(leftover.pid, 3_000)
      yield* awaitGone(leftover.worker, 3_000)
      expect(isAlive(stranger.pid)).toBe(true)
      expect(isAlive(stranger.worker)).toBe(true)
      expect(Fs.existsSync(leftFile)).toBe(false)
    }).pipe(quiet))

  it.scopedLive("leaves alone the groups of another host that still runs on the same data_dir", () =>
    Effect.gen(function*() {
      const dataDir = yield* tempDir
      const group = yield* sleepingGroup()
      // The "other host" is this test's leader process: alive, with its real start time.
      const otherHost = { pid: group.pid, start_time: startTimeOf(group.pid) }
      const file = writeFile(dataDir, `run/process-groups/${group.pid}-${otherHost.start_time}.json`, {
        schema_version: "process-groups.v1",
        host: otherHost,
        groups: [{ pgid: group.pid, leader_pid: group.pid, start_time: startTimeOf(group.pid), module_id: "busy" }]
      })
      const groups = yield* make(dataDir).pipe(Effect.provide(NodeFileSystem.layer))
      expect(yield* groups.reapLeftovers).toEqual([])
      expect(isAlive(group.pid)).toBe(true)
      expect(Fs.existsSync(file)).toBe(true)
    }).pipe(quiet))

  it.scopedLive("a record file that is not process-groups.v1 reaps nothing", () =>
    Effect.gen(function*() {
      const dataDir = yield* tempDir
      writeFile(dataDir, "run/process-groups/1-1.json", "{ not json")
      const groups = yield* make(dataDir).pipe(Effect.provide(NodeFileSystem.layer))
      expect(yield* groups.reapLeftovers).toEqual([])
      yield* groups.record("m", { pid: 4_194_001, startTime: 7 })
      expect(readGroups(groups.file)).toMatchObject([{ pgid: 4_194_001, start_time: 7, module_id: "m" }])
      yield* groups.forget({ pid: 4_194_001, startTime: 7 })
      expect(Fs.existsSync(groups.file)).toBe(false)
    }).pipe(quiet))
})
