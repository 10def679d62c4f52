/**
 * Errors operators meet when a module does not start or is not there.
 */
import { Schema } from "effect"

/** The step of a start that failed (CONTRACTS §1.4: "marks failed with the step named"). */
export const StartStep = Schema.Literal("preflight", "spawn", "announce", "ready", "init", "report")
/** A start step. */
export type StartStep = typeof StartStep.Type

/** A start that did not reach `ready`; `permanent` when restarting cannot help. */
export class ModuleStartFailed extends Schema.TaggedError<ModuleStartFailed>()("ModuleStartFailed", {
  executor_id: Schema.String,
  component_id: Schema.String,
  step: StartStep,
  detail: Schema.String,
  hint: Schema.String,
  permanent: Schema.Boolean
}) {
  get message(): string {
    return `${this.component_id} failed at ${this.step}: ${this.detail} (${this.hint})`
  }
}

/** An operator or caller named a module the node does not have. */
export class UnknownModule extends Schema.TaggedError<UnknownModule>()("UnknownModule", {
  executor_id: Schema.String,
  known: Schema.Array(Schema.String)
}) {
  get message(): string {
    return `no module with executor id "${this.executor_id}"; the node has: ${this.known.join(", ") || "(none)"}`
  }
}
