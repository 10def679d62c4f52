/**
 * One log file capped in size: `x.log` is written, and before it would pass `maxBytes` it becomes
 * `x.log.1` (`x.log.1` becomes `x.log.2`, …) and the oldest beyond `files` is deleted. Writes are
 * synchronous appends from the one writer fiber that owns the file, so lines never interleave.
 */
import { Data, Effect } from "effect"
import * as Fs from "node:fs"
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

const reasonOf = (error: unknown) => (error instanceof Error ? error.message : String(error))

/** An open log file: `append` writes whole entries (each ending in a newline), rotating first if needed. */
export interface RotatingFile {
  readonly file: string
  readonly append: (texts: ReadonlyArray<string>) => Effect.Effect<void, LogWriteError>
}

/** Opens (creating its folder) the log `file`, continuing after what is already there. */
export const openRotating = (file: string, rotation: Rotation): Effect.Effect<RotatingFile, LogWriteError> =>
  Effect.try({
    try: () => {
      Fs.mkdirSync(Path.dirname(file), { recursive: true })
      return Fs.existsSync(file) ? Fs.statSync(file).size : 0
    },
    catch: (error) => new LogWriteError({ file, reason: reasonOf(error) })
  }).pipe(Effect.map((initial) => {
    let size = initial
    const rotate = () => {
      const names = rotatedNames(file, rotation.files)
      const oldest = names[names.length - 1]
      if (oldest !== undefined && oldest !== file && Fs.existsSync(oldest)) Fs.rmSync(oldest)
      for (let index = names.length - 2; index >= 0; index--) {
        const from = names[index]
        const to = names[index + 1]
        if (from !== undefined && to !== undefined && Fs.existsSync(from)) Fs.renameSync(from, to)
      }
      // With one file kept, rotating means starting it over.
      if (rotation.files === 1) Fs.truncateSync(file, 0)
      size = 0
    }
    const append = (texts: ReadonlyArray<string>) =>
      Effect.try({
        try: () => {
          let batch = ""
          for (const text of texts) {
            const bytes = Buffer.byteLength(text)
            if (size + bytes > rotation.maxBytes && size > 0) {
              if (batch !== "") Fs.appendFileSync(file, batch)
              batch = ""
              rotate()
            }
            batch += text
            size += bytes
          }
          if (batch !== "") Fs.appendFileSync(file, batch)
        },
        catch: (error) => new LogWriteError({ file, reason: reasonOf(error) })
      })
    return { file, append }
  }))
