/**
 * Reads the RFC-024 type of an effect Schema, so that in-process TypeScript modules declare their
 * input and output with ordinary Schemas and still pass through the pipeline checker.
 *
 * The type describes the *encoded* side (the JSON that flows between steps): `Schema.Date` is a
 * `String`, `Schema.Int` an `Int`, any other number a `Float`, `Schema.NullOr(X)` and optional
 * properties `Optional<X>`. Refinements keep their base type (the module's own decode still
 * enforces them at run time).
 */
import { Either, Schema, SchemaAST } from "effect"
import { JsonObject } from "../typelang/TypeCheck.js"
import type { TypeNode } from "../typelang/TypeLanguage.js"
import { boolean, describe, float, int, list, map, optional, string } from "../typelang/TypeLanguage.js"

/** A schema that has no counterpart in the type language (a tuple, a union of records, a symbol...). */
export class UnsupportedSchema extends Schema.TaggedError<UnsupportedSchema>()("UnsupportedSchema", {
  path: Schema.String,
  schema: Schema.String,
  reason: Schema.String
}) {
  get message(): string {
    const where = this.path === "" ? "the schema" : `the field ${this.path}`
    return `${where} (${this.schema}) has no RFC-024 type: ${this.reason}. Use String, Int, Float, Boolean, ` +
      `arrays, string-keyed records, structs, NullOr or optional fields.`
  }
}

type Result = Either.Either<TypeNode, UnsupportedSchema>

const unsupported = (ast: SchemaAST.AST, path: string, reason: string): Result =>
  Either.left(new UnsupportedSchema({ path, schema: String(ast), reason }))

const isIntRefinement = (ast: SchemaAST.Refinement): boolean => {
  const id = SchemaAST.getSchemaIdAnnotation(ast)
  return id._tag === "Some" && id.value === Schema.IntSchemaId
}

const join = (path: string, name: string) => (path === "" ? name : `${path}.${name}`)

const withoutUndefined = (ast: SchemaAST.AST): SchemaAST.AST => {
  if (ast._tag !== "Union") return ast
  const members = ast.types.filter((t) => t._tag !== "UndefinedKeyword")
  const [only] = members
  return members.length === 1 && only !== undefined ? only : SchemaAST.Union.make(members)
}

const go = (ast: SchemaAST.AST, path: string, seen: ReadonlySet<SchemaAST.AST>): Result => {
  switch (ast._tag) {
    case "StringKeyword":
    case "TemplateLiteral":
      return Either.right(string)
    case "NumberKeyword":
      return Either.right(float)
    case "BooleanKeyword":
      return Either.right(boolean)
    case "Literal":
      return typeof ast.literal === "string"
        ? Either.right(string)
        : typeof ast.literal === "boolean"
        ? Either.right(boolean)
        : typeof ast.literal === "number"
        ? Either.right(Number.isSafeInteger(ast.literal) ? int : float)
        : unsupported(ast, path, "only string, number and boolean literals are supported")
    case "Enums":
      return ast.enums.every(([, value]) => typeof value === "string")
        ? Either.right(string)
        : unsupported(ast, path, "only string enums are supported")
    case "Refinement":
      if (isIntRefinement(ast)) {
        return Either.flatMap(go(ast.from, path, seen), (base) =>
          base._tag === "Float" || base._tag === "Int"
            ? Either.right(int)
            : unsupported(ast, path, "an integer refinement of a non-number"))
      }
      return go(ast.from, path, seen)
    case "Transformation":
      return go(ast.from, path, seen)
    case "Suspend":
      return seen.has(ast)
        ? unsupported(ast, path, "recursive types cannot be written in the type language")
        : go(ast.f(), path, new Set([...seen, ast]))
    case "TupleType": {
      const [rest] = ast.rest
      if (ast.elements.length === 0 && ast.rest.length === 1 && rest !== undefined) {
        return Either.map(go(rest.type, `${path}[]`, seen), list)
      }
      return unsupported(ast, path, "tuples are not supported, only arrays of one element type")
    }
    case "TypeLiteral": {
      const [index] = ast.indexSignatures
      if (ast.propertySignatures.length === 0 && ast.indexSignatures.length === 1 && index !== undefined) {
        return index.parameter._tag === "StringKeyword"
          ? Either.map(go(index.type, `${path}[]`, seen), map)
          : unsupported(ast, path, "record keys must be plain strings")
      }
      if (ast.indexSignatures.length > 0) {
        return unsupported(ast, path, "a struct cannot also have an index signature")
      }
      return Either.gen(function*() {
        const fields: Array<[string, TypeNode]> = []
        for (const property of ast.propertySignatures) {
          if (typeof property.name !== "string") {
            return yield* unsupported(ast, path, "field names must be strings")
          }
          const fieldPath = join(path, property.name)
          const type = yield* go(property.isOptional ? withoutUndefined(property.type) : property.type, fieldPath, seen)
          fields.push([property.name, property.isOptional && type._tag !== "Optional" ? optional(type) : type])
        }
        return { _tag: "Record", fields: Object.fromEntries(fields) } satisfies TypeNode
      })
    }
    case "Union": {
      const nullable = ast.types.some((t) => t._tag === "Literal" && t.literal === null)
      const rest = ast.types.filter((t) => !(t._tag === "Literal" && t.literal === null) && t._tag !== "UndefinedKeyword")
      return Either.gen(function*() {
        const members: Array<TypeNode> = []
        for (const member of rest) members.push(yield* go(member, path, seen))
        const [first] = members
        if (first === undefined) return yield* unsupported(ast, path, "a union of only null/undefined")
        const text = describe(first)
        if (!members.every((m) => describe(m) === text)) {
          return yield* unsupported(ast, path, "unions other than X | null need the same type in every member")
        }
        return nullable && first._tag !== "Optional" ? optional(first) : first
      })
    }
    case "Declaration":
      return ast === JsonObject.ast
        ? Either.right({ _tag: "Record", fields: {} })
        : unsupported(ast, path, "a declared type has no JSON form; use a transformation from a JSON schema")
    default:
      return unsupported(ast, path, `${ast._tag} has no JSON type`)
  }
}

/** The RFC-024 type of the JSON a Schema decodes from (its encoded side). */
export const fromSchema = <A, I>(schema: Schema.Schema<A, I>): Either.Either<TypeNode, UnsupportedSchema> =>
  go(schema.ast, "", new Set())
