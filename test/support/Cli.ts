/**
 * Runs the compiled `orbiplex` command line (dist/cli/orbiplex.js) as a child process.
 */
import { Effect } from "effect"
import * as NodeChild from "node:child_process"
import * as Fs from "node:fs"
import { BIN } from "./Fixture.js"

/** What a finished command printed and how it ended. */
export interface CliRun {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

/** Fails the test early with the fix when the command line is not built. */
export const requireBuild = (): void => {
  if (!Fs.existsSync(BIN)) throw new Error(`${BIN} is missing: run "npm run build" before the CLI tests`)
}

/**
 * Runs `node dist/cli/orbiplex.js ...args` to completion (killed if the test is interrupted first), in
 * `cwd` when given (to show the command does not depend on the current folder).
 */
export const runCli = (args: ReadonlyArray<string>, env: NodeJS.ProcessEnv = process.env, cwd?: string): Effect.Effect<CliRun> =>
  Effect.async<CliRun>((resume) => {
    requireBuild()
    const child = NodeChild.spawn(process.execPath, [BIN, ...args], { env, stdio: ["ignore", "pipe", "pipe"], ...(cwd === undefined ? {} : { cwd }) })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
    child.on("close", (code, signal) => resume(Effect.succeed({ code, signal, stdout, stderr })))
    return Effect.sync(() => child.kill("SIGKILL"))
  })
