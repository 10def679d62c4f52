/**
 * One log file capped in size: `x.log` is written, and before it would pass `maxBytes` it becomes
 * `x.log.1` (`x.log.1` becomes `x.log.2`, …) and the oldest beyond `files` is deleted. Writes are
 * appends from the one writer fiber that owns the file, each awaited, so lines never interleave.
 */
import { FileSystem } from "@effect/platform"
import type { PlatformError } from "@effect/platform/Error"
import { Data, Effect } from "effect"
import * as Path from "node:path"

/** A file could not be written or rotated (the entry is dropped; the node keeps running). */
export class LogWriteError extends Data.TaggedError("LogWriteError")<{ readonly file: string; readonly reason: string }> {
  override get message() {
    return `cannot write the log file ${this.file}: ${this.reason}; check that the data folder is writable and has room`
  }
}

/** The size cap and the number of files kept, the one being written included. */
export interface Rotation {
  readonly maxBytes: number
  readonly files: number
}

/** `x.log`, `x.log.1`, … `x.log.<files-1>`: the files of one log, newest first. */
export const rotatedNames = (file: string, files: number): ReadonlyArray<string> =>
  Array.from({ length: files }, (_, index) => (index === 0 ? file : `${file}.${index}`))

/** An open log file: `append` writes whole entries (each ending in a newline), rotating first if needed. */
export interface RotatingFile {
  readonly file: string
  readonly append: (texts: ReadonlyArray<string>) => Effect.Effect<void, LogWriteError>
}

/** Opens (creating its folder) the log `file`, continuing after what is already there. */
export const openRotating = (file: string, rotation: Rotation): Effect.Effect<RotatingFile, LogWriteError, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const failed = (error: PlatformError) => new LogWriteError({ file, reason: error.message })
    yield* fs.makeDirectory(Path.dirname(file), { recursive: true }).pipe(Effect.mapError(failed))
    const sizeOf = (name: string) =>
      Effect.map(fs.stat(name), (info) => Number(info.size)).pipe(Effect.orElseSucceed(() => 0))
    let size = yield* sizeOf(file)
    const rotate = Effect.gen(function*() {
      const names = rotatedNames(file, rotation.files)
      const oldest = names[names.length - 1]
      if (oldest !== undefined && oldest !== file && (yield* fs.exists(oldest))) yield* fs.remove(oldest)
      for (let index = names.length - 2; index >= 0; index--) {
        const from = names[index]
        const to = names[index + 1]
        if (from !== undefined && to !== undefined && (yield* fs.exists(from))) yield* fs.rename(from, to)
      }
      // With one file kept, rotating means starting it over.
      if (rotation.files === 1) yield* fs.truncate(file, 0)
      size = 0
    })
    const write = (batch: string) => (batch === "" ? Effect.void : fs.writeFileString(file, batch, { flag: "a" }))
    const append = (texts: ReadonlyArray<string>) =>
      Effect.gen(function*() {
        let batch = ""
        for (const text of texts) {
          const bytes = Buffer.byteLength(text)
          if (size + bytes > rotation.maxBytes && size > 0) {
            yield* write(batch)
            batch = ""
            yield* rotate
          }
          batch += text
          size += bytes
        }
        yield* write(batch)
      }).pipe(Effect.mapError(failed))
    return { file, append }
  })
