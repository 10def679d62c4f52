/**
 * Modules as a pipeline sees them: a name and a typed signature. An in-process module also carries
 * its TypeScript implementation; any other module (a provider, supervised or remote) is declared by
 * signature only and run by the runner the host supplies. Pipelines mix both freely.
 */
import { Effect, Either, ParseResult, Schema } from "effect"
import type { TypeNode } from "../typelang/TypeLanguage.js"
import type { ModuleCatalog, ModuleSignature } from "./Definition.js"
import type { StepCall, StepRunner } from "./Execute.js"
import { StepFailure } from "./Execute.js"
import type { UnsupportedSchema } from "./SchemaType.js"
import { fromSchema } from "./SchemaType.js"

/** A schema whose encoded side is JSON and which needs no services. */
export type JsonSchema<A, I> = Schema.Schema<A, I, never>

/**
 * A module's name and signature. `In` and `Out` are the JSON (encoded) types of its input and
 * output, used only to type references in the pipeline builder.
 */
export class ModuleDeclaration<In, Out> {
  /** Phantom: the JSON type of the module's input. */
  declare readonly In: In
  /** Phantom: the JSON type of the module's output. */
  declare readonly Out: Out
  constructor(
    readonly name: string,
    /** The signature, or why a schema of the module has no RFC-024 type (reported when checked). */
    readonly signature: Either.Either<ModuleSignature, UnsupportedSchema>
  ) {}
}

/** A module implemented in TypeScript and run in the node's own process. */
export class InProcessModule<In, Out> extends ModuleDeclaration<In, Out> {
  constructor(
    name: string,
    signature: Either.Either<ModuleSignature, UnsupportedSchema>,
    /** Decodes the JSON input, runs the module, encodes its output back to JSON. */
    readonly invoke: (input: unknown) => Effect.Effect<unknown, unknown>
  ) {
    super(name, signature)
  }
}

const signatureOf = <IA, II, OA, OI>(
  input: JsonSchema<IA, II>,
  output: JsonSchema<OA, OI>
): Either.Either<ModuleSignature, UnsupportedSchema> =>
  Either.all({ input: fromSchema(input), output: fromSchema(output) })

/** Declares a module run elsewhere (e.g. a provider) by the Schemas of its input and output JSON. */
export const external = <IA, II, OA, OI>(options: {
  readonly name: string
  readonly input: JsonSchema<IA, II>
  readonly output: JsonSchema<OA, OI>
}): ModuleDeclaration<II, OI> => new ModuleDeclaration(options.name, signatureOf(options.input, options.output))

/** Declares a module run elsewhere by its RFC-024 types (untyped references in the builder). */
export const externalTyped = (options: {
  readonly name: string
  readonly input: TypeNode
  readonly output: TypeNode
}): ModuleDeclaration<unknown, unknown> =>
  new ModuleDeclaration(options.name, Either.right({ input: options.input, output: options.output }))

/** Defines an in-process module: its input and output Schemas and its implementation. */
export const make = <IA, II, OA, OI, E>(options: {
  readonly name: string
  readonly input: JsonSchema<IA, II>
  readonly output: JsonSchema<OA, OI>
  readonly run: (input: IA) => Effect.Effect<OA, E>
}): InProcessModule<II, OI> => {
  const decode = ParseResult.decodeUnknown(options.input)
  const encode = ParseResult.encode(options.output)
  return new InProcessModule(
    options.name,
    signatureOf(options.input, options.output),
    (input) =>
      Effect.flatMap(
        Effect.mapError(decode(input), (issue) => new ParseResult.ParseError({ issue })),
        (decoded) =>
          Effect.flatMap(options.run(decoded), (out) =>
            Effect.mapError(encode(out), (issue) => new ParseResult.ParseError({ issue })))
      )
  )
}

/** The catalog entries of declarations whose signatures are valid. */
export const catalog = (modules: Iterable<ModuleDeclaration<unknown, unknown>>): ModuleCatalog => {
  const entries = new Map<string, ModuleSignature>()
  for (const module of modules) {
    if (Either.isRight(module.signature)) entries.set(module.name, module.signature.right)
  }
  return entries
}

/**
 * A step runner for in-process modules; steps of other modules go to `fallback` (e.g. the provider
 * client), or fail when there is none.
 */
export const runner = (
  modules: Iterable<ModuleDeclaration<unknown, unknown>>,
  fallback?: StepRunner
): StepRunner => {
  const byName = new Map<string, InProcessModule<unknown, unknown>>()
  for (const module of modules) if (module instanceof InProcessModule) byName.set(module.name, module)
  return (step: StepCall) => {
    const module = byName.get(step.module)
    if (module === undefined) {
      return fallback !== undefined
        ? fallback(step)
        : Effect.fail(
          new StepFailure({
            step: step.name,
            module: step.module,
            cause: `no runner for module "${step.module}": register it as an in-process module or give the runner a fallback`
          })
        )
    }
    return Effect.mapError(
      module.invoke(step.input),
      (cause) => new StepFailure({ step: step.name, module: step.module, cause })
    )
  }
}
