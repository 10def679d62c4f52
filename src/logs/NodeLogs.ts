/**
 * The node's logs: every entry logged while the layer lives (the host's own lines and each member's
 * output, which `ChildOutput` logs tagged with the member) goes to a rotating file per source under
 * `<data_dir>/logs/`, to a bounded ring per source, and to followers. The logger only enqueues; one
 * dispatcher fiber records, and one writer fiber per file appends, so logging never waits on a disk.
 * Closing the layer writes out what is still queued.
 */
import { FileSystem } from "@effect/platform"
import { NodeFileSystem } from "@effect/platform-node"
import { Context, Effect, ExecutionStrategy, type Fiber, FiberRef, HashSet, Layer, Logger, PubSub, Queue, Scope, Stream } from "effect"
import * as Path from "node:path"
import type { LogsConfig } from "../config/LogsConfig.js"
import * as LineLogger from "../internal/LineLogger.js"
import { formatEntry, type LogEntry, type Timezone } from "./LogEntry.js"
import { applyQuery, entryMatches, type LogQuery } from "./LogQuery.js"
import { makeRing, type Ring } from "./Ring.js"
import { openRotating, type Rotation } from "./RotatingFile.js"

/** Entries queued for the dispatcher at most; beyond that a burst drops lines rather than memory. */
export const QUEUE_CAPACITY = 10_000

/** What the logs need to know. */
export interface LogsSettings {
  /** The folder of the files (`<data_dir>/logs`). */
  readonly dir: string
  readonly rotation: Rotation
  /** Entries each source keeps in memory. */
  readonly recent: number
  readonly timezone: Timezone
}

/** The settings of a node whose data folder is `dataDir`. */
export const settingsOf = (dataDir: string, config: LogsConfig): LogsSettings => ({
  dir: Path.join(dataDir, "logs"),
  rotation: { maxBytes: config.max_bytes, files: config.files },
  recent: config.recent,
  timezone: config.timezone
})

/** The file of one source: its name with anything but `[A-Za-z0-9._-]` replaced. */
export const fileOf = (dir: string, source: string): string =>
  Path.join(dir, `${source.replace(/[^A-Za-z0-9._-]/g, "_")}.log`)

/** The node's logs. */
export class NodeLogs extends Context.Tag("orbiplex/NodeLogs")<NodeLogs, {
  readonly dir: string
  /** Records one entry (what the logger does for every log call). */
  readonly record: (entry: LogEntry) => Effect.Effect<void>
  /** The recent entries in memory that pass `query`, oldest first. */
  readonly recent: (query: LogQuery) => Effect.Effect<ReadonlyArray<LogEntry>>
  /** Entries recorded from now on that pass `query` (not `limit`), for as long as the caller's scope lives. */
  readonly follow: (query: LogQuery) => Effect.Effect<Stream.Stream<LogEntry>, never, Scope.Scope>
}>() {}

type Queued<A> = { readonly _tag: "entry"; readonly value: A } | { readonly _tag: "end" }
const END = { _tag: "end" } as const

/** Runs until `queue` yields END: each batch of values handed to `handle`. */
const drain = <A>(queue: Queue.Queue<Queued<A>>, handle: (values: ReadonlyArray<A>) => Effect.Effect<void>) =>
  Stream.fromQueue(queue, { maxChunkSize: 512 }).pipe(
    Stream.takeWhile((item) => item._tag === "entry"),
    Stream.runForEachChunk((chunk) =>
      handle(Array.from(chunk).flatMap((item) => (item._tag === "entry" ? [item.value] : [])))
    )
  )

interface Writer {
  readonly queue: Queue.Queue<Queued<string>>
  readonly fiber: Fiber.RuntimeFiber<void>
}

/** Builds the logs and adds their logger for the caller's scope. */
export const make = (settings: LogsSettings) =>
  Effect.gen(function*() {
    const scope = yield* Effect.scope
    // Writers start lazily, after the flushing finalizer below: in their own scope, made before it,
    // they are interrupted only after that finalizer has flushed them (file writes are asynchronous).
    const writerScope = yield* Scope.fork(scope, ExecutionStrategy.sequential)
    const fs = yield* FileSystem.FileSystem
    const inbox = yield* Queue.bounded<Queued<LogEntry>>(QUEUE_CAPACITY)
    const hub = yield* PubSub.sliding<LogEntry>(4_096)
    const rings = new Map<string, Ring<LogEntry>>()
    const writers = new Map<string, Writer>()

    const report = (error: { readonly message: string }) =>
      // Not through the logger: that would queue a line about a file that cannot take lines.
      Effect.sync(() => process.stderr.write(`${formatEntry({ at: new Date().toISOString(), level: "WARN", source: "host", message: error.message })}\n`))

    const writerOf = (source: string) =>
      Effect.gen(function*() {
        const known = writers.get(source)
        if (known !== undefined) return known
        const file = yield* openRotating(fileOf(settings.dir, source), settings.rotation).pipe(
          Effect.provideService(FileSystem.FileSystem, fs),
          Effect.option
        )
        const queue = yield* Queue.unbounded<Queued<string>>()
        const fiber = yield* drain(queue, (texts) =>
          file._tag === "None" ? Effect.void : file.value.append(texts).pipe(Effect.catchAll(report))
        ).pipe(Effect.forkIn(writerScope))
        if (file._tag === "None") yield* report({ message: `cannot open the log file ${fileOf(settings.dir, source)}; ${source}'s lines are kept in memory only` })
        const writer = { queue, fiber }
        writers.set(source, writer)
        return writer
      })

    const record = (entry: LogEntry) =>
      Effect.gen(function*() {
        const ring = rings.get(entry.source) ?? makeRing<LogEntry>(settings.recent)
        rings.set(entry.source, ring)
        ring.push(entry)
        const writer = yield* writerOf(entry.source)
        yield* Queue.offer(writer.queue, { _tag: "entry", value: `${formatEntry(entry)}\n` })
        yield* PubSub.publish(hub, entry)
      })

    const dispatcher = yield* drain(inbox, (entries) => Effect.forEach(entries, record, { discard: true })).pipe(
      Effect.zipRight(Effect.suspend(() =>
        Effect.forEach(writers.values(), (writer) => Effect.zipRight(Queue.offer(writer.queue, END), writer.fiber.await), { discard: true })
      )),
      Effect.forkIn(scope)
    )
    // Runs before the scope interrupts the fibers above: the lines of a shutdown reach their files.
    yield* Effect.addFinalizer(() =>
      Queue.offer(inbox, END).pipe(Effect.zipRight(dispatcher.await), Effect.timeout("5 seconds"), Effect.ignore)
    )

    const logger = Logger.make((options) => {
      Queue.unsafeOffer(inbox, { _tag: "entry", value: LineLogger.toEntry(options, settings.timezone) })
    })
    yield* Effect.locallyScopedWith(FiberRef.currentLoggers, HashSet.add(logger))

    return NodeLogs.of({
      dir: settings.dir,
      record: (entry) => Queue.offer(inbox, { _tag: "entry", value: entry }).pipe(Effect.asVoid),
      recent: (query) =>
        Effect.sync(() => applyQuery(Array.from(rings.values()).flatMap((ring) => ring.toArray()), query)),
      follow: (query) =>
        Effect.map(PubSub.subscribe(hub), (queue) => Stream.fromQueue(queue).pipe(Stream.filter((entry) => entryMatches(entry, query))))
    })
  })

/** The logs of a node (files under `settings.dir`), with their logger and the console in `settings.timezone`. */
export const layer = (settings: LogsSettings): Layer.Layer<NodeLogs> =>
  Layer.merge(Layer.scoped(NodeLogs, make(settings)).pipe(Layer.provide(NodeFileSystem.layer)), LineLogger.layerTimezone(settings.timezone))
