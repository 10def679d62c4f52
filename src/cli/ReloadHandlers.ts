/**
 * What `orbiplex reload` does: asks a running node to read its config file again and apply what changed
 * (modules added, removed, restarted; unchanged ones keep running). A config with problems is refused
 * with every problem listed, and the node keeps running as it was. SIGHUP to the node does the same.
 */
import * as CliHttp from "./CliHttp.js"
import type { FileSystem, Path } from "@effect/platform"
import { Console, Effect, Option, Schema } from "effect"
import { makeOperatorClient } from "../operator/OperatorClient.js"
import type { ConfigSource } from "../operator/Reload.js"
import type { ReloadReport } from "../operator/ReloadReport.js"
import { checkConfig } from "./ConfigCheck.js"
import { resolveTarget } from "./OperatorTarget.js"
import type { TargetArgs } from "./TargetOptions.js"

/** The node could not apply the config: the command fails with the problems (exit 1). */
export class ReloadFailed extends Schema.TaggedError<ReloadFailed>()("ReloadFailed", {
  outcome: Schema.String,
  file: Schema.String,
  problems: Schema.Array(Schema.String)
}) {
  override get message(): string {
    return `the node did not reload${this.file === "" ? "" : ` ${this.file}`} (${this.outcome}); nothing changed:\n` +
      this.problems.map((problem) => `  - ${problem}`).join("\n") +
      (this.outcome === "refused" ? "\nFix the file (`orbiplex validate --config <file>` lists the same problems), then reload again" : "")
  }
}

/** The lines that tell what a reload did. */
export const describeReport = (report: ReloadReport): ReadonlyArray<string> => [
  `reloaded ${report.file}: ${report.added.length} added, ${report.removed.length} removed, ${report.restarted.length} restarted, ` +
  `${report.unchanged.length} unchanged`,
  ...(report.added.length > 0 ? [`  added: ${report.added.join(", ")}`] : []),
  ...(report.removed.length > 0 ? [`  removed: ${report.removed.join(", ")}`] : []),
  ...(report.restarted.length > 0 ? [`  restarted: ${report.restarted.join(", ")}`] : [])
]

const optionOf = (value: TargetArgs["operator"]): Option.Option<string> =>
  value === undefined ? Option.none() : typeof value === "string" ? Option.some(value) : value

/** Asks the node at the target to reload; fails with `ReloadFailed` when it did not. */
export const reloadHandler = (args: TargetArgs) =>
  Effect.gen(function*() {
    const target = yield* resolveTarget({ operator: optionOf(args.operator), config: optionOf(args.config) })
    const client = yield* makeOperatorClient(target.url, target.token)
    const report = yield* client.reload
    if (report.outcome !== "applied") {
      return yield* new ReloadFailed({ outcome: report.outcome, file: report.file, problems: report.problems })
    }
    for (const line of describeReport(report)) yield* Console.log(line)
    return report
  }).pipe(Effect.provide(CliHttp.layer))

/** The config source `start` installs: the same check as `validate`, its problems as lines. */
export const configSource = (file: string): Effect.Effect<ConfigSource, never, FileSystem.FileSystem | Path.Path> =>
  Effect.map(Effect.context<FileSystem.FileSystem | Path.Path>(), (context) => ({
    file,
    load: checkConfig(file).pipe(
      Effect.mapError((error): ReadonlyArray<string> =>
        error._tag === "ConfigInvalid" ? error.problems.map((problem) => `${problem.path}: ${problem.message}`) : [error.message]
      ),
      Effect.provide(context)
    )
  }))
