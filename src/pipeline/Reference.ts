/**
 * References in pipeline mappings (CONTRACTS §3.6): `$inputs.<field>`, `$steps.<step>` and
 * `$steps.<step>.<field>`. Every other string is a literal; a literal that starts with `$` is
 * written `$$...` so that a mistyped reference is refused rather than passed on as text.
 */

/** A reference to a pipeline input field or to a step's output (whole, or one field of it). */
export type Reference =
  | { readonly _tag: "InputRef"; readonly field: string }
  | { readonly _tag: "StepRef"; readonly step: string; readonly field: string | undefined }

/** What a string in a mapping means. */
export type ParsedString =
  | Reference
  | { readonly _tag: "Literal"; readonly value: string }
  | { readonly _tag: "Malformed"; readonly text: string; readonly reason: string }

const name = /^[^.\s]+$/

const malformed = (text: string, reason: string): ParsedString => ({ _tag: "Malformed", text, reason })

/** Reads a mapping string as a reference, an (unescaped) literal, or a malformed reference. */
export const parseString = (text: string): ParsedString => {
  if (!text.startsWith("$")) return { _tag: "Literal", value: text }
  if (text.startsWith("$$")) return { _tag: "Literal", value: text.slice(1) }
  const parts = text.slice(1).split(".")
  const [root, first, second, ...rest] = parts
  const valid = (part: string | undefined): part is string => part !== undefined && name.test(part)
  if (root === "inputs") {
    if (valid(first) && second === undefined) return { _tag: "InputRef", field: first }
    return malformed(text, "an input reference is $inputs.<field>, with one field name")
  }
  if (root === "steps") {
    if (!valid(first)) return malformed(text, "a step reference is $steps.<step> or $steps.<step>.<field>")
    if (second === undefined) return { _tag: "StepRef", step: first, field: undefined }
    if (valid(second) && rest.length === 0) return { _tag: "StepRef", step: first, field: second }
    return malformed(text, "a step reference is $steps.<step> or $steps.<step>.<field>, with one field name")
  }
  return malformed(text, "references start with $inputs. or $steps.; write $$ for a literal text that starts with $")
}

/** Renders a reference in the notation of the definition. */
export const format = (reference: Reference): string =>
  reference._tag === "InputRef"
    ? `$inputs.${reference.field}`
    : reference.field === undefined
    ? `$steps.${reference.step}`
    : `$steps.${reference.step}.${reference.field}`

/** Escapes a literal string for a mapping, so that it is never read as a reference. */
export const escapeLiteral = (text: string): string => (text.startsWith("$") ? `$${text}` : text)
