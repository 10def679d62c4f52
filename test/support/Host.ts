/**
 * A real `orbiplex start` as a child process of the test, and a wait for a line of its log.
 */
import { Effect } from "effect"
import * as NodeChild from "node:child_process"
import { BIN } from "./Fixture.js"
import { killQuietly } from "./Processes.js"

/** Starts `orbiplex start`, killed (with anything it left) when the scope closes. */
export const startHost = (configFile: string) =>
  Effect.acquireRelease(
    Effect.sync(() =>
      NodeChild.spawn(process.execPath, [BIN, "start", "--config", configFile], { stdio: ["ignore", "ignore", "pipe"] })
    ),
    (host) => Effect.sync(() => host.pid !== undefined && killQuietly(host.pid))
  )

/** Reads the host's stderr (or `stream`) until a line matches `pattern`; fails if the host exits first. */
export const awaitLine = (host: NodeChild.ChildProcess, pattern: RegExp, stream: "stdout" | "stderr" = "stderr") =>
  Effect.async<RegExpExecArray, Error>((resume) => {
    const source = host[stream]
    let buffered = ""
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString("utf8")
      const match = pattern.exec(buffered)
      if (match !== null) {
        cleanup()
        resume(Effect.succeed(match))
      }
    }
    const onExit = (code: number | null) => {
      cleanup()
      resume(Effect.fail(new Error(`the host exited (code ${code}) before logging ${pattern}:\n${buffered.slice(-4000)}`)))
    }
    const cleanup = () => {
      source?.off("data", onData)
      host.off("exit", onExit)
    }
    source?.on("data", onData)
    host.once("exit", onExit)
    return Effect.sync(cleanup)
  })

