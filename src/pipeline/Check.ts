/**
 * Load-time checks of a pipeline (CONTRACTS §3.6): every problem is collected, then the pipeline is
 * either refused with all of them or compiled into a `CheckedPipeline` the executor runs.
 */
import { Effect, Either, ParseResult, Schema } from "effect"
import { describeValue, diff, formatMismatches, isSubtype, toSchema } from "../typelang/TypeCheck.js"
import type { RecordType, TypeNode } from "../typelang/TypeLanguage.js"
import { describe, fieldOf, isJsonObject, joinPath as join, parseSchema, record } from "../typelang/TypeLanguage.js"
import type { ModuleCatalog, ModuleSignature, PipelineDefinition, StepOptions } from "./Definition.js"
import { PipelineDefinition as PipelineDefinitionSchema } from "./Definition.js"
import { findCycles, invert } from "./Graph.js"
import type { Compiled, ValuePlan } from "./Plan.js"
import { arrayOf, containsReference, literal, objectOf } from "./Plan.js"
import type { PipelineProblem, ProblemKind } from "./Problem.js"
import { PipelineCheckError } from "./Problem.js"
import type { Reference } from "./Reference.js"
import { parseString } from "./Reference.js"
import { didYouMean, listNames } from "./Suggest.js"

/** A validator of a step's JSON value against a type: the decoded value, or the parse issue. */
export type Decoder = (value: unknown) => Either.Either<unknown, ParseResult.ParseIssue>

/** A step ready to run: its signature, its compiled input mapping and its place in the graph. */
export interface CheckedStep {
  readonly index: number
  readonly name: string
  readonly module: string
  readonly options: typeof StepOptions.Type | undefined
  readonly signature: ModuleSignature
  readonly input: ValuePlan
  /** Indices of the steps whose outputs this step reads (each once). */
  readonly dependencies: ReadonlyArray<number>
  /** Indices of the steps that read this step's output. */
  readonly dependents: ReadonlyArray<number>
  readonly decodeOutput: Decoder
}

/** A pipeline that passed every load-time check. */
export interface CheckedPipeline {
  readonly name: string
  readonly definition: PipelineDefinition
  readonly inputType: RecordType
  /** The types of the outputs (an output made only of `null` literals is left out). */
  readonly outputType: RecordType
  /** Steps in definition order. */
  readonly steps: ReadonlyArray<CheckedStep>
  readonly outputs: ReadonlyArray<readonly [string, ValuePlan]>
  readonly warnings: ReadonlyArray<PipelineProblem>
  readonly decodeInput: Decoder
}

/** A step as the optional call-options validator sees it. */
export interface StepOptionsContext {
  readonly step: string
  readonly module: string
  readonly options: typeof StepOptions.Type
  readonly signature: ModuleSignature
}

/** Extra checks a caller plugs in (for example `src/resilience/` validating `with`). */
export interface CheckOptions {
  /** Returns one message (what is wrong and the fix) per problem in a step's `with`. */
  readonly validateStepOptions?: (step: StepOptionsContext) => ReadonlyArray<string>
}

interface Scope {
  readonly step: string | undefined
  readonly module: string | undefined
  readonly dependencies: Set<number>
}

// Steps that call the same module share its signature objects, so they share one compiled decoder.
const decoders = new WeakMap<TypeNode, Decoder>()
const decoderFor = (type: TypeNode): Decoder => {
  const known = decoders.get(type)
  if (known !== undefined) return known
  const decoder = ParseResult.decodeUnknownEither(toSchema(type))
  decoders.set(type, decoder)
  return decoder
}

const stripOptional = (type: TypeNode | undefined): TypeNode | undefined =>
  type !== undefined && type._tag === "Optional" ? stripOptional(type.inner) : type

/** Runs every load-time check; refuses the pipeline with all its errors, or compiles it. */
export const check = (
  pipeline: string,
  definition: PipelineDefinition,
  catalog: ModuleCatalog,
  options: CheckOptions = {}
): Either.Either<CheckedPipeline, PipelineCheckError> => {
  const problems: Array<PipelineProblem> = []
  const report = (
    severity: "error" | "warning",
    kind: ProblemKind,
    step: string | undefined,
    field: string | undefined,
    message: string
  ) => {
    problems.push({
      severity,
      kind,
      pipeline,
      ...(step === undefined ? {} : { step }),
      ...(field === undefined ? {} : { field }),
      message
    })
  }
  const inputs = definition.inputs
  const inputNames = Object.keys(inputs.fields)
  const entries = Object.entries(definition.steps)
  const stepNames = entries.map(([name]) => name)
  const indexOf = new Map(stepNames.map((name, i) => [name, i]))
  const signatures = entries.map(([, step]) => catalog.get(step.module))
  const usedInputs = new Set<string>()

  const resolve = (scope: Scope, reference: Reference, text: string, path: string): Compiled => {
    if (reference._tag === "InputRef") {
      const type = fieldOf(inputs, reference.field)
      if (type === undefined) {
        report("error", "UnknownField", scope.step, path, `"${text}": the pipeline has no input "${reference.field}".${
          didYouMean(reference.field, inputNames)
        } Declare it under "inputs", or use one of: ${listNames(inputNames)}.`)
      } else {
        usedInputs.add(reference.field)
      }
      return { plan: { _tag: "Input", field: reference.field }, type }
    }
    const index = indexOf.get(reference.step)
    if (index === undefined) {
      report("error", "UnknownStep", scope.step, path, `"${text}": there is no step "${reference.step}".${
        didYouMean(reference.step, stepNames)
      } The steps are: ${listNames(stepNames)}.`)
      return { plan: { _tag: "Literal", value: null }, type: undefined }
    }
    scope.dependencies.add(index)
    const plan: ValuePlan = { _tag: "Step", index, field: reference.field }
    const output = signatures[index]?.output
    if (output === undefined || reference.field === undefined) return { plan, type: output }
    if (output._tag !== "Record") {
      report("error", "UnknownField", scope.step, path, `"${text}": the output of step "${reference.step}" is ${
        describe(output)
      }, not a record, so it has no fields: reference the whole output as "$steps.${reference.step}".`)
      return { plan, type: undefined }
    }
    const type = fieldOf(output, reference.field)
    if (type === undefined) {
      const fields = Object.keys(output.fields)
      report("error", "UnknownField", scope.step, path, `"${text}": the output of step "${reference.step}" (module "${
        entries[index]?.[1].module
      }", ${describe(output)}) has no field "${reference.field}".${didYouMean(reference.field, fields)} Its fields are: ${
        listNames(fields)
      }.`)
    }
    return { plan, type }
  }

  const edge = (scope: Scope, text: string, from: TypeNode | undefined, to: TypeNode | undefined, path: string) => {
    if (from === undefined || to === undefined || isSubtype(from, to)) return
    const target = scope.module === undefined ? "this field" : `module "${scope.module}"`
    const fix = from._tag === "Optional" && isSubtype(from.inner, to)
      ? `The source may be absent or null: declare the input Optional<...> in ${target}, or map a value that is always present.`
      : (from._tag === "Int" && to._tag === "Float") || (from._tag === "Float" && to._tag === "Int")
      ? "Int and Float are distinct types: declare the same numeric type on both sides."
      : `Map a value of type ${describe(to)} here, or change the declared types so that they agree.`
    report("error", "TypeMismatch", scope.step, path, `"${text}" is ${describe(from)}, but ${target} expects ${describe(to)}. ${fix}`)
  }

  const checkLiteral = (scope: Scope, value: unknown, expected: TypeNode | undefined, path: string): Compiled => {
    if (expected !== undefined) {
      const mismatches = diff(expected, value)
      if (mismatches.length > 0) {
        const target = scope.module === undefined ? "" : ` of module "${scope.module}"`
        report("error", "TypeMismatch", scope.step, path, `the literal ${describeValue(value)} is not a value of the input type ${
          describe(expected)
        }${target} (${formatMismatches(mismatches)}). Change the literal, or map a reference of that type.`)
      }
    }
    return literal(value)
  }

  const walk = (scope: Scope, value: unknown, expected: TypeNode | undefined, path: string): Compiled => {
    if (typeof value === "string") {
      const parsed = parseString(value)
      switch (parsed._tag) {
        case "Malformed":
          report("error", "MalformedReference", scope.step, path, `"${value}" is not a reference: ${parsed.reason}.`)
          return { plan: { _tag: "Literal", value }, type: undefined }
        case "Literal":
          return checkLiteral(scope, parsed.value, expected, path)
        default: {
          const resolved = resolve(scope, parsed, value, path)
          edge(scope, value, resolved.type, expected, path)
          return resolved
        }
      }
    }
    const target = stripOptional(expected)
    const shapeMismatch = (wanted: TypeNode): Compiled => {
      if (!containsReference(value)) return checkLiteral(scope, value, expected, path)
      report("error", "TypeMismatch", scope.step, path, `a ${Array.isArray(value) ? "list" : "record"} is mapped here, but ${
        scope.module === undefined ? "the field" : `module "${scope.module}"`
      } expects ${describe(wanted)}. Map a value of that type.`)
      return { plan: { _tag: "Literal", value: null }, type: undefined }
    }
    if (Array.isArray(value)) {
      if (target !== undefined && target._tag !== "List") return shapeMismatch(target)
      const element = target?._tag === "List" ? target.element : undefined
      return arrayOf(value.map((item: unknown, i) => walk(scope, item, element, `${path}[${i}]`)))
    }
    if (isJsonObject(value)) {
      if (target === undefined) {
        return objectOf(Object.entries(value).map(([k, v]) => [k, walk(scope, v, undefined, join(path, k))] as const))
      }
      if (target._tag === "Map") {
        return objectOf(Object.entries(value).map(([k, v]) => [k, walk(scope, v, target.value, join(path, k))] as const))
      }
      if (target._tag !== "Record") return shapeMismatch(target)
      const fields = Object.keys(target.fields)
      const compiled = Object.entries(value).map(([k, v]) => {
        const type = fieldOf(target, k)
        if (type === undefined && scope.step !== undefined) {
          report("warning", "ExtraField", scope.step, join(path, k), `"${k}" is not an input field of module "${scope.module}" (${
            describe(target)
          }); it is passed on and ignored.${didYouMean(k, fields)}`)
        }
        return [k, walk(scope, v, type, join(path, k))] as const
      })
      for (const [k, type] of Object.entries(target.fields)) {
        if (type._tag === "Optional" || Object.hasOwn(value, k)) continue
        report("error", "MissingInput", scope.step, join(path, k), `module "${scope.module}" needs the input field "${k}" (${
          describe(type)
        }) and nothing provides it: map it to a reference such as "$inputs.${k}" or "$steps.<step>.${k}", or to a literal value.`)
      }
      return objectOf(compiled)
    }
    return checkLiteral(scope, value, expected, path)
  }

  const dependencies: Array<Array<number>> = []
  const plans: Array<ValuePlan> = []
  entries.forEach(([name, step], i) => {
    if (!/^[^.\s$]+$/.test(name)) {
      report("error", "InvalidStepName", name, undefined, `the step name "${name}" cannot be referenced: use a name without dots, spaces or "$".`)
    }
    const signature = signatures[i]
    if (signature === undefined) {
      report("error", "UnknownModule", name, "module", `module "${step.module}" is not in the catalog.${
        didYouMean(step.module, catalog.keys())
      } Declare it under "providers" in the node config or register it as an in-process module; known modules: ${
        listNames([...catalog.keys()])
      }.`)
    }
    const scope: Scope = { step: name, module: step.module, dependencies: new Set() }
    plans.push(walk(scope, step.input, signature?.input, "input").plan)
    dependencies.push([...scope.dependencies])
    if (signature !== undefined && step.with !== undefined) {
      if (Object.hasOwn(step.with, "fallback")) {
        const mismatches = diff(signature.output, step.with["fallback"])
        if (mismatches.length > 0) {
          report("error", "FallbackMismatch", name, "with.fallback", `the fallback is not a value of the output type of module "${step.module}", ${
            describe(signature.output)
          } (${formatMismatches(mismatches)}). Give a fallback of that type, or remove it.`)
        }
      }
      for (const message of options.validateStepOptions?.({ step: name, module: step.module, options: step.with, signature }) ?? []) {
        report("error", "InvalidOptions", name, "with", message)
      }
    }
  })

  const outputScope: Scope = { step: undefined, module: undefined, dependencies: new Set() }
  const outputs = Object.entries(definition.outputs).map(([name, value]) => [name, walk(outputScope, value, undefined, join("outputs", name))] as const)

  for (const cycle of findCycles(dependencies)) {
    const names = cycle.map((i) => stepNames[i] ?? String(i))
    report("error", "Cycle", names[0], undefined, `steps form a cycle: ${names.join(" → ")} (each feeds the next). A step can only use outputs of steps that do not depend on it: remove or change one of these references.`)
  }
  for (const name of inputNames) {
    if (!usedInputs.has(name)) {
      report("warning", "UnusedInput", undefined, join("inputs", name), `the input "${name}" is not used by any step or output: remove it, or map it where it is needed.`)
    }
  }

  if (problems.some((p) => p.severity === "error")) return Either.left(new PipelineCheckError({ pipeline, problems }))
  const dependents = invert(dependencies)
  const steps = entries.flatMap(([name, step], index): Array<CheckedStep> => {
    const signature = signatures[index]
    const input = plans[index]
    if (signature === undefined || input === undefined) return []
    return [{
      index,
      name,
      module: step.module,
      options: step.with,
      signature,
      input,
      dependencies: dependencies[index] ?? [],
      dependents: dependents[index] ?? [],
      decodeOutput: decoderFor(signature.output)
    }]
  })
  return Either.right({
    name: pipeline,
    definition,
    inputType: inputs,
    outputType: record(Object.fromEntries(outputs.flatMap(([k, c]) => (c.type === undefined ? [] : [[k, c.type]])))),
    steps,
    outputs: outputs.map(([k, c]) => [k, c.plan] as const),
    warnings: problems,
    decodeInput: decoderFor(inputs)
  })
}

/** Decodes a pipeline definition from JSON and checks it, reporting decode errors as problems too. */
export const load = Effect.fn("Pipeline.load")(function*(
  pipeline: string,
  json: unknown,
  catalog: ModuleCatalog,
  options: CheckOptions = {}
) {
  const decoded = Schema.decodeUnknownEither(PipelineDefinitionSchema, { errors: "all" })(json)
  if (Either.isLeft(decoded)) {
    const problem = (field: string, message: string): PipelineProblem => ({ severity: "error", kind: "InvalidDefinition", pipeline, field, message })
    // Malformed input types are reported field by field, with their positions.
    const typeErrors = typeof json === "object" && json !== null && "inputs" in json
      ? Either.match(parseSchema(json.inputs, "inputs"), { onLeft: (errors) => errors, onRight: () => [] })
      : []
    const problems = [
      ...typeErrors.map((e) => problem(e.path, e.detail)),
      ...ParseResult.ArrayFormatter.formatErrorSync(decoded.left)
        .filter((issue) => typeErrors.length === 0 || issue.path[0] !== "inputs")
        .map((issue) => problem(issue.path.map(String).join("."), issue.message))
    ]
    return yield* new PipelineCheckError({ pipeline, problems })
  }
  return yield* check(pipeline, decoded.right, catalog, options)
})
