/**
 * Errors of loading a node config file. Both are refused before anything starts.
 */
import { Schema } from "effect"
import { formatProblems, Problem } from "../contract/Problems.js"

/** The file could not be read or is not JSON. */
export class ConfigUnreadable extends Schema.TaggedError<ConfigUnreadable>()("ConfigUnreadable", {
  file: Schema.String,
  reason: Schema.String
}) {
  get message(): string {
    return `cannot use config file ${this.file}: ${this.reason}`
  }
}

/** The file is JSON but does not describe a valid node; every problem is listed. */
export class ConfigInvalid extends Schema.TaggedError<ConfigInvalid>()("ConfigInvalid", {
  file: Schema.String,
  problems: Schema.Array(Problem)
}) {
  get message(): string {
    const count = this.problems.length
    return `config file ${this.file} has ${count} problem${count === 1 ? "" : "s"}; nothing was started:\n` +
      formatProblems(this.problems)
  }
}

/** Any reason a config was refused. */
export type ConfigError = ConfigUnreadable | ConfigInvalid
