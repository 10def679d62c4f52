/**
 * The pipeline definition of CONTRACTS §3.6, as the node config writes it and as the typed builder
 * produces it. Both paths meet here, so they share the checker and the executor.
 */
import { Schema } from "effect"
import type { TypeNode } from "../typelang/TypeLanguage.js"
import { RecordTypeSchema } from "../typelang/TypeCheck.js"

/** A JSON object of call options (`with`); `src/resilience/` gives it meaning, the pipeline passes it on. */
export const StepOptions = Schema.Record({ key: Schema.String, value: Schema.Unknown }).annotations({
  identifier: "StepOptions",
  description: "call options such as { \"retry\": 3, \"timeout\": \"2s\" }"
})

/** One step: the module it calls, its input mapping (references or literal JSON) and its call options. */
export const StepDefinition = Schema.Struct({
  module: Schema.String.pipe(Schema.minLength(1)),
  /** A JSON value whose strings may be references; usually a record mapping input fields. */
  input: Schema.optionalWith(Schema.Unknown, { default: () => ({}) }),
  with: Schema.optional(StepOptions)
}).annotations({ identifier: "StepDefinition" })

/** A decoded step definition. */
export type StepDefinition = typeof StepDefinition.Type

/** A whole pipeline: typed inputs, named steps, output mapping. */
export const PipelineDefinition = Schema.Struct({
  inputs: RecordTypeSchema,
  steps: Schema.Record({ key: Schema.String, value: StepDefinition }),
  outputs: Schema.optionalWith(Schema.Record({ key: Schema.String, value: Schema.Unknown }), {
    default: () => ({})
  })
}).annotations({ identifier: "PipelineDefinition" })

/** A decoded pipeline definition (input types parsed to a `RecordType`). */
export type PipelineDefinition = typeof PipelineDefinition.Type

/** The JSON form of a pipeline definition. */
export type PipelineDefinitionJson = typeof PipelineDefinition.Encoded

/** What the checker needs to know of a module: the types of its input and output. */
export interface ModuleSignature {
  readonly input: TypeNode
  readonly output: TypeNode
}

/** Module signatures by module name (providers from config and in-process modules alike). */
export type ModuleCatalog = ReadonlyMap<string, ModuleSignature>
