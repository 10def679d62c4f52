/**
 * Checks a launch before spawning (CONTRACTS §1.1: "explicit; preflighted"), so a typo in config is
 * reported as such and not as a mysterious crash.
 */
import { Effect } from "effect"
// node:fs, not the platform FileSystem: its `access` has no executable check (X_OK), which is the point here.
import * as Fs from "node:fs/promises"
import type { Launch } from "../contract/ModuleEntry.js"

/** One reason a launch cannot work, with the fix. */
export interface PreflightProblem {
  readonly field: "launch.executable" | "launch.cwd"
  readonly detail: string
  readonly hint: string
}

const check = (path: string, mode: number) =>
  Effect.tryPromise(() => Fs.access(path, mode)).pipe(Effect.as(true), Effect.orElseSucceed(() => false))

const stat = (path: string) => Effect.tryPromise(() => Fs.stat(path)).pipe(Effect.option)

/** Every problem with the executable and the working folder (empty when the launch can go ahead). */
export const preflight = (launch: Launch): Effect.Effect<ReadonlyArray<PreflightProblem>> =>
  Effect.gen(function*() {
    const problems: Array<PreflightProblem> = []
    const exe = yield* stat(launch.executable)
    if (exe._tag === "None") {
      problems.push({
        field: "launch.executable",
        detail: `${launch.executable} does not exist`,
        hint: "check the path in config; for bundled modules run \"npm run build\""
      })
    } else if (!exe.value.isFile() || !(yield* check(launch.executable, Fs.constants.X_OK))) {
      problems.push({
        field: "launch.executable",
        detail: `${launch.executable} is not an executable file`,
        hint: `make it executable (chmod +x) or point to the interpreter that runs it`
      })
    }
    const cwd = yield* stat(launch.cwd)
    if (cwd._tag === "None" || !cwd.value.isDirectory()) {
      problems.push({
        field: "launch.cwd",
        detail: `${launch.cwd} is not a folder`,
        hint: "create it or fix launch.cwd (relative paths resolve against the config file's folder)"
      })
    }
    return problems
  })
