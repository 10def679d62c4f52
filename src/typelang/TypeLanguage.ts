/**
 * The RFC-024 type language (CONTRACTS §3.1): the AST, the parser of the schema notation and its
 * printer. Checking values and types against each other lives in `TypeCheck.ts`.
 *
 * Notation: a JSON record `{ "field": "String" }` whose values are type strings or nested JSON
 * records. Type strings are `String`, `Int`, `Float`, `Boolean`, `List<T>`, `Map<String,T>`,
 * `Optional<T>` and, so that lists of records can be written, inline records `{ name: T, ... }`
 * (field names are identifiers or double-quoted strings).
 */
import { Either, Schema } from "effect"

/** A type of the RFC-024 type language. */
export type TypeNode =
  | StringType
  | IntType
  | FloatType
  | BooleanType
  | ListType
  | MapType
  | OptionalType
  | RecordType

/** Any JSON string. */
export interface StringType {
  readonly _tag: "String"
}
/** A JSON number that is a safe integer. */
export interface IntType {
  readonly _tag: "Int"
}
/** Any finite JSON number. */
export interface FloatType {
  readonly _tag: "Float"
}
/** `true` or `false`. */
export interface BooleanType {
  readonly _tag: "Boolean"
}
/** A JSON array whose items all have the element type. */
export interface ListType {
  readonly _tag: "List"
  readonly element: TypeNode
}
/** A JSON object used as a dictionary: String keys, values of one type. */
export interface MapType {
  readonly _tag: "Map"
  readonly value: TypeNode
}
/** A value of the inner type, or `null`; as a record field it may also be absent. */
export interface OptionalType {
  readonly _tag: "Optional"
  readonly inner: TypeNode
}
/** A JSON object with named fields, checked by width and depth. */
export interface RecordType {
  readonly _tag: "Record"
  readonly fields: Readonly<Record<string, TypeNode>>
}

/** The `String` type. */
export const string: TypeNode = { _tag: "String" }
/** The `Int` type. */
export const int: TypeNode = { _tag: "Int" }
/** The `Float` type. */
export const float: TypeNode = { _tag: "Float" }
/** The `Boolean` type. */
export const boolean: TypeNode = { _tag: "Boolean" }
/** `List<element>`. */
export const list = (element: TypeNode): TypeNode => ({ _tag: "List", element })
/** `Map<String,value>`. */
export const map = (value: TypeNode): TypeNode => ({ _tag: "Map", value })
/** `Optional<inner>`. */
export const optional = (inner: TypeNode): TypeNode => ({ _tag: "Optional", inner })
/** A record type; fields are copied so that a field named `__proto__` stays an ordinary field. */
export const record = (fields: Readonly<Record<string, TypeNode>>): RecordType => ({
  _tag: "Record",
  fields: Object.fromEntries(Object.entries(fields))
})

/** The type of a record's field, or `undefined`; never a property inherited from `Object.prototype`. */
export const fieldOf = (type: RecordType, name: string): TypeNode | undefined =>
  Object.hasOwn(type.fields, name) ? type.fields[name] : undefined

/** Structural equality of two types (field order in records does not matter). */
export const equals = (a: TypeNode, b: TypeNode): boolean => {
  switch (a._tag) {
    case "String":
    case "Int":
    case "Float":
    case "Boolean":
      return a._tag === b._tag
    case "List":
      return b._tag === "List" && equals(a.element, b.element)
    case "Map":
      return b._tag === "Map" && equals(a.value, b.value)
    case "Optional":
      return b._tag === "Optional" && equals(a.inner, b.inner)
    case "Record": {
      if (b._tag !== "Record") return false
      const names = Object.keys(a.fields)
      if (names.length !== Object.keys(b.fields).length) return false
      return names.every((name) => {
        const other = fieldOf(b, name)
        const mine = fieldOf(a, name)
        return other !== undefined && mine !== undefined && equals(mine, other)
      })
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Printing
// ---------------------------------------------------------------------------------------------

const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/

const fieldName = (name: string): string =>
  identifier.test(name) ? name : `"${name.replace(/[\\"]/g, (c) => `\\${c}`)}"`

/** Renders a type back to the notation of a type string, e.g. `List<{ id: Int }>`. */
export const describe = (type: TypeNode): string => {
  switch (type._tag) {
    case "String":
    case "Int":
    case "Float":
    case "Boolean":
      return type._tag
    case "List":
      return `List<${describe(type.element)}>`
    case "Map":
      return `Map<String,${describe(type.value)}>`
    case "Optional":
      return `Optional<${describe(type.inner)}>`
    case "Record": {
      const fields = Object.entries(type.fields).map(([name, field]) => `${fieldName(name)}: ${describe(field)}`)
      return fields.length === 0 ? "{}" : `{ ${fields.join(", ")} }`
    }
  }
}

/** The JSON notation of a type: records become JSON objects, every other type a type string. */
export type TypeNotation = string | { readonly [field: string]: TypeNotation }

/** Renders a type to the JSON notation of config files (the inverse of `parseSchema`). */
export const toNotation = (type: TypeNode): TypeNotation =>
  type._tag === "Record"
    ? Object.fromEntries(Object.entries(type.fields).map(([name, field]) => [name, toNotation(field)]))
    : describe(type)

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

/** A malformed type in a schema, with the field path and the character offset where it went wrong. */
export class TypeSyntaxError extends Schema.TaggedError<TypeSyntaxError>()("TypeSyntaxError", {
  /** Field path of the type in its schema, e.g. `output_schema.scores`; empty for a bare type. */
  path: Schema.String,
  /** The type string as written (for a value that is not a type string: its JSON text). */
  source: Schema.String,
  /** Zero-based character offset in `source`; absent when the value is not a type string at all. */
  offset: Schema.optional(Schema.Number),
  expected: Schema.String,
  found: Schema.String
}) {
  get message(): string {
    return this.path === "" ? this.detail : `${this.path}: ${this.detail}`
  }
  /** The message without the field path. */
  get detail(): string {
    const hint = hintFor(this.found)
    return this.offset === undefined
      ? `expected ${this.expected}, found ${this.found}${hint}`
      : `expected ${this.expected} at ${this.offset} in "${this.source}", found ${this.found}${hint}`
  }
}

const typeNames = ["String", "Int", "Float", "Boolean", "List", "Map", "Optional"] as const

const hintFor = (found: string): string => {
  const bare = found.replace(/^"|"$/g, "")
  const match = typeNames.find((name) => name.toLowerCase() === bare.toLowerCase() && name !== bare)
  return match !== undefined
    ? ` (type names are case-sensitive: did you mean ${match}?)`
    : ` (types are String, Int, Float, Boolean, List<T>, Map<String,T>, Optional<T> or { field: T })`
}

interface Failure {
  readonly offset: number
  readonly expected: string
  readonly found: string
}

interface Cursor {
  readonly text: string
  pos: number
}

const skipSpace = (c: Cursor): void => {
  while (c.pos < c.text.length && /\s/.test(c.text.charAt(c.pos))) c.pos++
}

const foundAt = (c: Cursor, pos: number = c.pos): string =>
  pos >= c.text.length ? "end of input" : JSON.stringify(c.text.charAt(pos))

const fail = (c: Cursor, expected: string, pos: number = c.pos, found: string = foundAt(c, pos)) =>
  Either.left<Failure>({ offset: pos, expected, found })

const readIdentifier = (c: Cursor): string => {
  const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(c.text.slice(c.pos))
  const name = match === null ? "" : match[0]
  c.pos += name.length
  return name
}

const expectChar = (c: Cursor, char: string): Either.Either<void, Failure> => {
  skipSpace(c)
  if (c.text.charAt(c.pos) !== char) return fail(c, JSON.stringify(char))
  c.pos++
  return Either.void
}

const argument = (
  c: Cursor,
  build: (inner: TypeNode) => TypeNode
): Either.Either<TypeNode, Failure> =>
  Either.gen(function*() {
    yield* expectChar(c, "<")
    const inner = yield* parseAt(c)
    yield* expectChar(c, ">")
    return build(inner)
  })

const readQuoted = (c: Cursor): Either.Either<string, Failure> => {
  const start = c.pos
  let out = ""
  c.pos++
  while (c.pos < c.text.length) {
    const char = c.text.charAt(c.pos)
    if (char === "\"") {
      c.pos++
      return Either.right(out)
    }
    if (char === "\\") {
      const next = c.text.charAt(c.pos + 1)
      if (next !== "\"" && next !== "\\") return fail(c, "\\\" or \\\\ after a backslash", c.pos + 1)
      out += next
      c.pos += 2
    } else {
      out += char
      c.pos++
    }
  }
  return fail(c, "a closing \" for the field name that starts at " + start)
}

const parseRecord = (c: Cursor): Either.Either<TypeNode, Failure> =>
  Either.gen(function*() {
    c.pos++ // the opening brace
    const fields: Array<[string, TypeNode]> = []
    const seen = new Set<string>()
    skipSpace(c)
    if (c.text.charAt(c.pos) === "}") {
      c.pos++
      return record({})
    }
    for (;;) {
      skipSpace(c)
      const nameAt = c.pos
      const name = c.text.charAt(c.pos) === "\"" ? yield* readQuoted(c) : readIdentifier(c)
      if (c.pos === nameAt) return yield* fail(c, "a field name")
      if (seen.has(name)) return yield* fail(c, "a field name not used before", nameAt, JSON.stringify(name))
      seen.add(name)
      yield* expectChar(c, ":")
      fields.push([name, yield* parseAt(c)])
      skipSpace(c)
      const next = c.text.charAt(c.pos)
      if (next === "}") {
        c.pos++
        return { _tag: "Record", fields: Object.fromEntries(fields) }
      }
      if (next !== ",") return yield* fail(c, "\",\" or \"}\"")
      c.pos++
    }
  })

const parseAt = (c: Cursor): Either.Either<TypeNode, Failure> => {
  skipSpace(c)
  if (c.text.charAt(c.pos) === "{") return parseRecord(c)
  const start = c.pos
  const name = readIdentifier(c)
  switch (name) {
    case "String":
      return Either.right(string)
    case "Int":
      return Either.right(int)
    case "Float":
      return Either.right(float)
    case "Boolean":
      return Either.right(boolean)
    case "List":
      return argument(c, list)
    case "Optional":
      return argument(c, optional)
    case "Map":
      return Either.gen(function*() {
        yield* expectChar(c, "<")
        skipSpace(c)
        const keyAt = c.pos
        const key = readIdentifier(c)
        if (key !== "String") {
          return yield* fail(c, "\"String\" (Map keys are always String)", keyAt, key === "" ? foundAt(c, keyAt) : JSON.stringify(key))
        }
        yield* expectChar(c, ",")
        const value = yield* parseAt(c)
        yield* expectChar(c, ">")
        return map(value)
      })
    case "":
      return fail(c, "a type", start)
    default:
      return fail(c, "a type", start, JSON.stringify(name))
  }
}

/** Parses one type string; `path` names where it came from in error messages. */
export const parseType = (text: string, path: string = ""): Either.Either<TypeNode, TypeSyntaxError> => {
  const cursor: Cursor = { text, pos: 0 }
  const parsed = Either.flatMap(parseAt(cursor), (type) => {
    skipSpace(cursor)
    return cursor.pos === text.length ? Either.right(type) : fail(cursor, "the end of the type")
  })
  return Either.mapLeft(parsed, (f) => new TypeSyntaxError({ path, source: text, offset: f.offset, expected: f.expected, found: f.found }))
}

/** Whether a value is a JSON object (not an array, not null). */
export const isJsonObject = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** Extends a field path for messages: `a.b` for identifiers, `a["odd name"]` otherwise. */
export const joinPath = (path: string, name: string): string =>
  identifier.test(name) ? (path === "" ? name : `${path}.${name}`) : `${path}[${JSON.stringify(name)}]`

const collect = (notation: unknown, path: string, errors: Array<TypeSyntaxError>): TypeNode | undefined => {
  if (typeof notation === "string") {
    return Either.match(parseType(notation, path), {
      onLeft: (error) => {
        errors.push(error)
        return undefined
      },
      onRight: (type) => type
    })
  }
  if (isJsonObject(notation)) {
    const fields: Array<[string, TypeNode]> = []
    for (const [name, value] of Object.entries(notation)) {
      const type = collect(value, joinPath(path, name), errors)
      if (type !== undefined) fields.push([name, type])
    }
    return { _tag: "Record", fields: Object.fromEntries(fields) }
  }
  const source = JSON.stringify(notation) ?? String(notation)
  errors.push(new TypeSyntaxError({ path, source, expected: "a type string such as \"String\" or a record of types", found: source }))
  return undefined
}

/**
 * Parses the JSON notation of a schema (a record of type strings and nested records, or one type
 * string), reporting every malformed type at once, each with its field path under `path`.
 */
export const parseSchema = (
  notation: unknown,
  path: string = ""
): Either.Either<TypeNode, ReadonlyArray<TypeSyntaxError>> => {
  const errors: Array<TypeSyntaxError> = []
  const type = collect(notation, path, errors)
  return type === undefined || errors.length > 0 ? Either.left(errors) : Either.right(type)
}

/** Whether a type is a record type. */
export const isRecordType = (type: TypeNode): type is RecordType => type._tag === "Record"
