/**
 * A launched child's output and its announcement (CONTRACTS §1.2), shared by module launches
 * (`ModuleLaunch`) and supervised providers (`ProviderProcess`): both children print the same
 * listening line and must have both pipes drained for their whole life.
 */
import { Deferred, Effect, Stream } from "effect"
import { type Announcement, decodeAnnouncementLine } from "../contract/Announcement.js"
import { assembleEntries } from "../logs/ChildEntries.js"
import { toLogLevel } from "../logs/LogEntry.js"
import type { ModuleEntry } from "../logs/ModuleLine.js"
import type { Child } from "./ChildProcess.js"

/**
 * Drains `child`'s stdout and stderr in the caller's scope, logging every entry (at the level the
 * module's line carries, tracebacks joined into one entry) tagged with `component`, except the first
 * announcement on stdout, which the returned effect waits for. Also registers `child.stop` on the
 * scope, after the drains, so that it runs before them.
 */
export const watchChildOutput = Effect.fn("ChildOutput.watch")(function*(child: Child, component: string) {
  const announced = yield* Deferred.make<Announcement>()
  const logEntry = (stream: "stdout" | "stderr") => (entry: ModuleEntry) =>
    Effect.logWithLevel(toLogLevel(entry.level), entry.message).pipe(
      // `at`: the entry is stamped when its first line was read, not when it was found complete.
      Effect.annotateLogs({ module: component, stream, pid: child.pid, at: entry.at })
    )
  // Only the first announcement is the contract's; a later listening line is ordinary output.
  const unannounced = (line: string) =>
    Effect.flatMap(Deferred.isDone(announced), (done) => {
      if (done) return Effect.succeed(true)
      const announcement = decodeAnnouncementLine(line)
      return announcement._tag === "None"
        ? Effect.succeed(true)
        : Effect.as(Deferred.succeed(announced, announcement.value), false)
    })
  yield* assembleEntries(child.stdoutLines.pipe(Stream.filterEffect(unannounced))).pipe(
    Stream.runForEach(logEntry("stdout")),
    Effect.forkScoped
  )
  yield* assembleEntries(child.stderrLines).pipe(Stream.runForEach(logEntry("stderr")), Effect.forkScoped)
  // Finalizers run in reverse: stop the child before the drains above are interrupted. Interrupting a
  // drain closes its pipe, and a child that logs while it shuts down would then die of EPIPE (or,
  // with the Python SDK, never finish stopping) instead of exiting cleanly on SIGTERM.
  yield* Effect.addFinalizer(() => child.stop)
  return Deferred.await(announced)
})

/** The origin an announcement names: `http://127.0.0.1:47113`, or `http://[::1]:47113` for IPv6. */
export const announcedOrigin = (announcement: Announcement): string =>
  announcement.host.includes(":")
    ? `http://[${announcement.host}]:${announcement.port}`
    : `http://${announcement.host}:${announcement.port}`
