/**
 * One child process as a scoped resource, with the teardown the contract asks for (CONTRACTS §1.4):
 * SIGTERM to the process group, `grace_ms`, then SIGKILL to the group.
 *
 * Why not `@effect/platform` `Command`: its finalizer sends SIGTERM and then waits for exit with no
 * bound, `kill()` also waits unboundedly, death by signal surfaces as a spawn-style PlatformError
 * without the signal, and its stdin pump is a daemon fiber. A supervisor needs the exit code *and*
 * signal, a bounded stop, and a stdin pipe it holds open on purpose (modules exit on stdin EOF, so a
 * SIGKILLed host leaves no orphans). This file is the small, fully scoped replacement.
 */
import { NodeStream } from "@effect/platform-node"
import { Data, Deferred, Effect, Option, type Scope, Stream } from "effect"
import * as NodeChild from "node:child_process"
// Only /proc/<pid>/stat, read synchronously right after spawn (the leader's start time must be taken
// before anything can reuse the pid) and in the reaper's 20 ms liveness predicate.
import * as Fs from "node:fs"

/** How a child ended. */
export interface ExitInfo {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}

/** Renders an exit as an operator reads it. */
export const describeExit = (exit: ExitInfo): string =>
  exit.signal !== null ? `killed by ${exit.signal}` : `exited with code ${exit.code ?? "unknown"}`

/** What to run: an explicit program, arguments, folder and the child's whole environment. */
export interface SpawnSpec {
  readonly executable: string
  readonly args: ReadonlyArray<string>
  readonly cwd: string
  readonly env: Readonly<Record<string, string>>
  /** How long SIGTERM may take before SIGKILL. */
  readonly graceMs: number
}

/** The identity of a spawned process group: its id, which is its leader's pid, and the leader's start time. */
export interface GroupLeader {
  readonly pid: number
  /** Field 22 of /proc/<pid>/stat (clock ticks since boot); tells the process from a later one with its pid. */
  readonly startTime: number
}

/** Told when a child's process group starts and when it has been stopped (see `ProcessGroups`). */
export interface GroupHook {
  readonly record: (leader: GroupLeader) => Effect.Effect<void>
  readonly forget: (leader: GroupLeader) => Effect.Effect<void>
}

/** The OS refused to start the program. */
export class SpawnFailed extends Data.TaggedError("SpawnFailed")<{
  readonly executable: string
  readonly reason: string
}> {}

/** A running child. Its process group is stopped when the owning scope closes. */
export interface Child {
  readonly pid: number
  /** Waits for the child to exit. */
  readonly exit: Effect.Effect<ExitInfo>
  /** The exit, if it already happened. */
  readonly exited: Effect.Effect<Option.Option<ExitInfo>>
  /** stdout as lines; consume it exactly once, for the child's whole life (an undrained pipe blocks it). */
  readonly stdoutLines: Stream.Stream<string>
  /** stderr as lines; same rule as stdout. */
  readonly stderrLines: Stream.Stream<string>
  /** The last `STDERR_TAIL_LINES` lines read from stderr, oldest first (what a crash report quotes). */
  readonly stderrTail: Effect.Effect<ReadonlyArray<string>>
  /** Completes when stderr has been read to its end (the child and everything holding its pipe are gone). */
  readonly stderrDone: Effect.Effect<void>
  /** Bounded stop: SIGTERM to the group, wait `graceMs`, SIGKILL. Reports whether SIGKILL was needed. */
  readonly stop: Effect.Effect<{ readonly killed: boolean; readonly exit: ExitInfo }>
}

/** How long to wait for the kernel to report a SIGKILLed child gone. */
const KILL_WAIT_MS = 2_000

const signalGroup = (pid: number, signal: NodeJS.Signals): void => {
  try {
    process.kill(-pid, signal)
  } catch {
    // The group is already gone; nothing left to signal.
  }
}

/** The longest line the host holds in memory; a longer one is logged in pieces of this size. */
export const MAX_LINE_CHARS = 16_384

/**
 * Breaks runs of text without a newline every `max` characters, so a module that prints without
 * newlines cannot make the host buffer an unbounded line (nothing is dropped: it arrives in pieces).
 */
export const breakLongRuns = (max: number) => (run: number, text: string): readonly [number, string] => {
  let out = ""
  let start = 0
  let current = run
  for (let index = 0; index < text.length; index++) {
    if (text[index] === "\n") {
      current = 0
    } else if (++current > max) {
      out += text.slice(start, index) + "\n"
      start = index
      current = 1
    }
  }
  return [current, out + text.slice(start)]
}

/** How many of a child's recent stderr lines the host keeps for crash reports. */
export const STDERR_TAIL_LINES = 20

/** A bounded ring of the most recent lines. */
const makeTail = (size: number) => {
  const ring: Array<string> = []
  return {
    push: (line: string): void => {
      ring.push(line)
      if (ring.length > size) ring.shift()
    },
    snapshot: (): ReadonlyArray<string> => [...ring]
  }
}

/** Field 22 (starttime) of /proc/<pid>/stat, if the process exists. */
export const processStartTime = (pid: number): Option.Option<number> => {
  try {
    const stat = Fs.readFileSync(`/proc/${pid}/stat`, "utf8")
    // "pid (comm) state ..." : comm may hold spaces and parentheses, so count fields after the last ")".
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    const value = Number(rest[19])
    return Number.isFinite(value) ? Option.some(value) : Option.none()
  } catch {
    return Option.none()
  }
}

const lines = (readable: NodeJS.ReadableStream | null): Stream.Stream<string> =>
  readable === null
    ? Stream.empty
    : NodeStream.fromReadable(() => readable, (error) => error).pipe(
      Stream.decodeText(),
      Stream.mapAccum(0, breakLongRuns(MAX_LINE_CHARS)),
      Stream.splitLines,
      Stream.catchAll(() => Stream.empty)
    )

/**
 * Spawns `spec` in its own process group, stdin held open, and stops it when the scope closes.
 * `groups`, when given, is told the group once it runs and again once it has been stopped.
 */
export const spawnChild = (spec: SpawnSpec, groups?: GroupHook): Effect.Effect<Child, SpawnFailed, Scope.Scope> =>
  Effect.gen(function*() {
    const exitSignal = yield* Deferred.make<ExitInfo>()
    const handle = yield* Effect.async<NodeChild.ChildProcess, SpawnFailed>((resume) => {
      const child = NodeChild.spawn(spec.executable, [...spec.args], {
        cwd: spec.cwd,
        env: { ...spec.env },
        stdio: ["pipe", "pipe", "pipe"],
        // Own process group: the terminal's Ctrl+C reaches only the host, which stops children in order.
        detached: true
      })
      child.on("exit", (code, signal) => Deferred.unsafeDone(exitSignal, Effect.succeed({ code, signal })))
      child.once("error", (error) => resume(Effect.fail(new SpawnFailed({ executable: spec.executable, reason: error.message }))))
      child.once("spawn", () => resume(Effect.succeed(child)))
      // A child that exits early makes writes to its stdin fail with EPIPE; that is not the host's failure.
      child.stdin?.on("error", () => undefined)
    })
    const pid = handle.pid ?? -1
    // The group outlives a leader that already exited, so even then it is recorded (with start time 0
    // it can never match a live process, and the host's own stop still reaps it).
    const leader: GroupLeader = { pid, startTime: Option.getOrElse(processStartTime(pid), () => 0) }
    if (groups !== undefined) yield* groups.record(leader)
    const tail = makeTail(STDERR_TAIL_LINES)
    const stderrEnded = yield* Deferred.make<void>()
    const exit = Deferred.await(exitSignal)
    // Waits for the exit at most `millis`. Built on one callback, not on interrupting a wait: the
    // stop runs as a finalizer, which is uninterruptible, so a timeout that interrupts its loser
    // would wait forever, and an interruptible region would be cut short by the pending interrupt.
    const exitWithin = (millis: number) =>
      Effect.async<Option.Option<ExitInfo>>((resume) => {
        if (handle.exitCode !== null || handle.signalCode !== null) {
          return resume(Effect.succeedSome({ code: handle.exitCode, signal: handle.signalCode }))
        }
        const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
          clearTimeout(timer)
          resume(Effect.succeedSome({ code, signal }))
        }
        const timer = setTimeout(() => {
          handle.off("exit", onExit)
          resume(Effect.succeedNone)
        }, millis)
        handle.once("exit", onExit)
      })
    const stop = Effect.gen(function*() {
      const already = yield* exitWithin(0)
      if (Option.isSome(already)) {
        // Reap anything the child left in its group (grandchildren).
        signalGroup(pid, "SIGKILL")
        return { killed: false, exit: already.value }
      }
      signalGroup(pid, "SIGTERM")
      const graceful = yield* exitWithin(spec.graceMs)
      signalGroup(pid, "SIGKILL")
      if (Option.isSome(graceful)) return { killed: false, exit: graceful.value }
      yield* Effect.logWarning(`pid ${pid} ignored SIGTERM for ${spec.graceMs} ms; sent SIGKILL to its process group`)
      const killed = yield* exitWithin(KILL_WAIT_MS)
      return { killed: true, exit: Option.getOrElse(killed, () => ({ code: null, signal: "SIGKILL" as const })) }
    }).pipe(
      Effect.ensuring(Effect.sync(() => handle.stdin?.destroy())),
      Effect.tap(() => groups === undefined ? Effect.void : groups.forget(leader))
    )
    yield* Effect.addFinalizer(() => stop)
    return {
      pid,
      exit,
      exited: Deferred.poll(exitSignal).pipe(Effect.flatMap(Option.match({
        onNone: () => Effect.succeedNone,
        onSome: (done) => Effect.asSome(done)
      }))),
      stdoutLines: lines(handle.stdout),
      stderrLines: lines(handle.stderr).pipe(
        Stream.tap((line) => Effect.sync(() => tail.push(line))),
        Stream.ensuring(Deferred.succeed(stderrEnded, undefined))
      ),
      stderrTail: Effect.sync(tail.snapshot),
      stderrDone: Deferred.await(stderrEnded),
      stop
    }
  })
