/**
 * A typed builder for embedders: define a pipeline in code, with references checked by the
 * TypeScript compiler where it can, producing the very `PipelineDefinition` the JSON loader
 * produces, so both paths share the checker and the executor.
 *
 * ```ts
 * const built = Pipeline.make({ inputs: Schema.Struct({ text: Schema.String }) })
 *   .step("clean", Trim, (r) => ({ text: r.inputs.text }))
 *   .step("sent", Sentiment, (r) => ({ text: r.steps.clean.text }), { retry: 3 })
 *   .outputs((r) => ({ sentiment: r.steps.sent.sentiment }))
 * const checked = built.check("sentiment")
 * ```
 */
import { Either } from "effect"
import { unsafeCoerce } from "effect/Function"
import type { RecordType, TypeNode } from "../typelang/TypeLanguage.js"
import { record } from "../typelang/TypeLanguage.js"
import type { CheckedPipeline, CheckOptions } from "./Check.js"
import { check } from "./Check.js"
import type { ModuleCatalog, ModuleSignature, PipelineDefinition, StepDefinition, StepOptions } from "./Definition.js"
import type { StepRunner } from "./Execute.js"
import type { JsonSchema, ModuleDeclaration } from "./InProcessModule.js"
import { runner } from "./InProcessModule.js"
import type { PipelineProblem } from "./Problem.js"
import { PipelineCheckError } from "./Problem.js"
import { escapeLiteral } from "./Reference.js"
import { fromSchema } from "./SchemaType.js"

declare const RefType: unique symbol
const RefText: unique symbol = Symbol.for("orbiplex/pipeline/Ref")

/** A reference to a pipeline input or a step's output, typed by the JSON it points at. */
export class Ref<A> {
  /** Phantom: the JSON type the reference yields. */
  declare readonly [RefType]: A
  /** The reference text; symbol-keyed so that it never collides with a field name. */
  readonly [RefText]: string
  constructor(reference: string) {
    this[RefText] = reference
  }
  /** The reference in the notation of the definition, e.g. `$steps.clean.text`. */
  static text(ref: Ref<unknown>): string {
    return ref[RefText]
  }
}

/** One reference per field of a record type. */
export type FieldRefs<T> = [T] extends [ReadonlyArray<unknown>] ? {}
  : [T] extends [object] ? { readonly [K in keyof T]-?: Ref<T[K]> }
  : {}

/** A step's output: a reference to the whole of it, with one reference per field. */
export type StepRefs<Out> = Ref<Out> & FieldRefs<Out>

/** What a mapping function receives: the pipeline inputs and the steps defined so far. */
export interface Refs<I, S> {
  readonly inputs: FieldRefs<I>
  readonly steps: S
}

/** A value for a field of type `T`: a reference of that type, or a literal in which references may nest. */
export type Mapping<T> =
  | Ref<T>
  | ([T] extends [string | number | boolean | null | undefined] ? T
    : [T] extends [ReadonlyArray<infer E>] ? ReadonlyArray<Mapping<E>>
    : { readonly [K in keyof T]: Mapping<T[K]> })

/** The JSON type an output mapping yields. */
export type Resolved<M> = M extends Ref<infer A> ? A
  : M extends ReadonlyArray<infer E> ? ReadonlyArray<Resolved<E>>
  : M extends object ? { readonly [K in keyof M]: Resolved<M[K]> }
  : M

interface StepNode {
  readonly parent: StepNode | undefined
  readonly name: string
  readonly module: ModuleDeclaration<unknown, unknown>
  readonly definition: StepDefinition
}

interface State {
  readonly inputs: Either.Either<TypeNode, string>
  readonly last: StepNode | undefined
}

const isPlainObject = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Ref)

const toJson = (value: unknown): unknown => {
  if (value instanceof Ref) return Ref.text(value)
  if (typeof value === "string") return escapeLiteral(value)
  if (Array.isArray(value)) return value.map(toJson)
  if (isPlainObject(value)) {
    return Object.fromEntries(
      Object.entries(value).flatMap(([k, v]) => (v === undefined ? [] : [[k, toJson(v)]]))
    )
  }
  return value
}

// Probes made by promise and JSON machinery must not be answered with references.
const notFields = new Set(["then", "toJSON"])

// Any field of a reference is a reference one level down: names the compiler does not know (from
// plain JavaScript, or a typo behind a cast) still reach the checker, which names the mistake.
const withFields = <T extends object>(target: T, prefix: string): T =>
  new Proxy(target, {
    get: (t, key, receiver) =>
      typeof key === "string" && !notFields.has(key)
        ? new Ref(`${prefix}.${key}`)
        : Reflect.get(t, key, receiver)
  })

const stepsView = new Proxy<Record<string, unknown>>({}, {
  get: (_, key) => (typeof key === "string" ? withFields(new Ref(`$steps.${key}`), `$steps.${key}`) : undefined)
})

// References are built at run time from names alone, while their static types come from the
// module declarations through the phantom parameters: this is the one place the two are joined.
const refsView = <I, S>(): Refs<I, S> => unsafeCoerce({ inputs: withFields({}, "$inputs"), steps: stepsView })

/** A pipeline under construction; each call returns a new builder, the old one is unchanged. */
export class PipelineBuilder<I, S> {
  /** Phantom: the JSON type of the pipeline inputs. */
  declare readonly Inputs: I
  /** @internal */
  constructor(readonly state: State) {}

  /** Adds a step calling `module` with the input built by `input`; `options` is the step's `with`. */
  step<const Name extends string, In, Out>(
    name: Name,
    module: ModuleDeclaration<In, Out>,
    input: (refs: Refs<I, S>) => NoInfer<Mapping<In>>,
    options?: typeof StepOptions.Type
  ): PipelineBuilder<I, S & { readonly [K in Name]: StepRefs<Out> }> {
    const definition: StepDefinition = {
      module: module.name,
      input: toJson(input(refsView<I, S>())),
      ...(options === undefined ? {} : { with: options })
    }
    return new PipelineBuilder({ ...this.state, last: { parent: this.state.last, name, module, definition } })
  }

  /** Names the pipeline outputs and finishes the definition. */
  outputs<M extends Readonly<Record<string, unknown>>>(
    outputs: (refs: Refs<I, S>) => M
  ): BuiltPipeline<I, { readonly [K in keyof M]: Resolved<M[K]> }> {
    const mapping = toJson(outputs(refsView<I, S>()))
    const nodes: Array<StepNode> = []
    for (let node = this.state.last; node !== undefined; node = node.parent) nodes.push(node)
    nodes.reverse()
    const problems: Array<Omit<PipelineProblem, "pipeline">> = []
    const steps: Record<string, StepDefinition> = {}
    const modules = new Map<string, ModuleDeclaration<unknown, unknown>>()
    for (const node of nodes) {
      if (Object.hasOwn(steps, node.name)) {
        problems.push({ severity: "error", kind: "InvalidStepName", step: node.name, message: `the step "${node.name}" is defined twice: give each step its own name.` })
      }
      Object.defineProperty(steps, node.name, { value: node.definition, enumerable: true, writable: true })
      const known = modules.get(node.module.name)
      if (known !== undefined && known !== node.module) {
        problems.push({ severity: "error", kind: "InvalidDefinition", step: node.name, message: `two different modules are named "${node.module.name}": give each module its own name.` })
      }
      modules.set(node.module.name, node.module)
      if (Either.isLeft(node.module.signature)) {
        problems.push({ severity: "error", kind: "InvalidDefinition", step: node.name, field: "module", message: `module "${node.module.name}": ${node.module.signature.left.message}` })
      }
    }
    const inputs = this.state.inputs
    if (Either.isLeft(inputs)) problems.push({ severity: "error", kind: "InvalidDefinition", field: "inputs", message: inputs.left })
    const inputType: RecordType = Either.isRight(inputs) && inputs.right._tag === "Record" ? inputs.right : record({})
    const definition: PipelineDefinition = {
      inputs: inputType,
      steps,
      outputs: isPlainObject(mapping) ? mapping : {}
    }
    return new BuiltPipeline(definition, [...modules.values()], problems)
  }
}

/** A pipeline defined in code: the same definition the JSON loader yields, plus the modules it uses. */
export class BuiltPipeline<I, O> {
  /** Phantom: the JSON type of the pipeline inputs. */
  declare readonly Inputs: I
  /** Phantom: the JSON type of the pipeline outputs. */
  declare readonly Outputs: O
  constructor(
    readonly definition: PipelineDefinition,
    readonly modules: ReadonlyArray<ModuleDeclaration<unknown, unknown>>,
    readonly problems: ReadonlyArray<Omit<PipelineProblem, "pipeline">>
  ) {}

  /** The signatures of the modules this pipeline uses. */
  get catalog(): ModuleCatalog {
    const entries = new Map<string, ModuleSignature>()
    for (const module of this.modules) {
      if (Either.isRight(module.signature)) entries.set(module.name, module.signature.right)
    }
    return entries
  }

  /** Runs the load-time checks; `catalog` adds modules known elsewhere (e.g. providers from config). */
  check(name: string, options: CheckOptions & { readonly catalog?: ModuleCatalog } = {}): Either.Either<CheckedPipeline, PipelineCheckError> {
    const catalog = new Map([...(options.catalog ?? new Map<string, ModuleSignature>()), ...this.catalog])
    const checked = check(name, this.definition, catalog, options)
    if (this.problems.length === 0) return checked
    const own = this.problems.map((p): PipelineProblem => ({ ...p, pipeline: name }))
    const rest = Either.isLeft(checked) ? checked.left.problems : checked.right.warnings
    return Either.left(new PipelineCheckError({ pipeline: name, problems: [...own, ...rest] }))
  }

  /** A step runner for this pipeline's in-process modules; other modules go to `fallback`. */
  runner(fallback?: StepRunner): StepRunner {
    return runner(this.modules, fallback)
  }
}

/** Starts a pipeline whose inputs are described by a struct Schema. */
export const make = <A, I>(options: { readonly inputs: JsonSchema<A, I> }): PipelineBuilder<I, {}> => {
  const inputs = Either.mapLeft(fromSchema(options.inputs), (e) => e.message)
  const type = Either.isRight(inputs) ? inputs.right : undefined
  const checkedInputs: Either.Either<TypeNode, string> = type !== undefined && type._tag !== "Record"
    ? Either.left("the pipeline inputs must be a struct of named fields")
    : inputs
  return new PipelineBuilder<I, {}>({ inputs: checkedInputs, last: undefined })
}
