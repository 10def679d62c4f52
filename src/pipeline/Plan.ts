/**
 * A checked mapping compiled for execution: literal parts are precomputed, references point at the
 * index of the step whose output they read, so building a step's input is one walk of a small tree.
 */
import { isSubtype } from "../typelang/TypeCheck.js"
import type { TypeNode } from "../typelang/TypeLanguage.js"
import { isJsonObject, record } from "../typelang/TypeLanguage.js"
import { parseString } from "./Reference.js"

/** How to build one JSON value from the pipeline inputs and step outputs. */
export type ValuePlan =
  | { readonly _tag: "Literal"; readonly value: unknown }
  | { readonly _tag: "Input"; readonly field: string }
  | { readonly _tag: "Step"; readonly index: number; readonly field: string | undefined }
  | { readonly _tag: "Object"; readonly entries: ReadonlyArray<readonly [string, ValuePlan]> }
  | { readonly _tag: "Array"; readonly items: ReadonlyArray<ValuePlan> }

/** A compiled mapping value and, when it can be known, its type. */
export interface Compiled {
  readonly plan: ValuePlan
  readonly type: TypeNode | undefined
}

/** A literal value, with the type it shows. */
export const literal = (value: unknown): Compiled => ({ plan: { _tag: "Literal", value }, type: inferLiteral(value) })

const inferLiteral = (value: unknown): TypeNode | undefined => {
  switch (typeof value) {
    case "string":
      return { _tag: "String" }
    case "boolean":
      return { _tag: "Boolean" }
    case "number":
      return Number.isSafeInteger(value) ? { _tag: "Int" } : { _tag: "Float" }
    default:
      return undefined
  }
}

/** Whether a mapping value holds a reference anywhere inside. */
export const containsReference = (value: unknown): boolean =>
  typeof value === "string"
    ? parseString(value)._tag !== "Literal"
    : Array.isArray(value)
    ? value.some(containsReference)
    : isJsonObject(value)
    ? Object.values(value).some(containsReference)
    : false

const isLiteralPlan = (plan: ValuePlan): plan is { readonly _tag: "Literal"; readonly value: unknown } =>
  plan._tag === "Literal"

/** A record mapping; wholly literal records are folded into one literal. */
export const objectOf = (entries: ReadonlyArray<readonly [string, Compiled]>): Compiled => {
  const known = entries.every(([, c]) => c.type !== undefined)
  const type = known
    ? record(Object.fromEntries(entries.flatMap(([k, c]) => (c.type === undefined ? [] : [[k, c.type]]))))
    : undefined
  const plans = entries.map(([k, c]) => [k, c.plan] as const)
  if (plans.every(([, p]) => isLiteralPlan(p))) {
    return {
      plan: { _tag: "Literal", value: Object.fromEntries(plans.map(([k, p]) => [k, isLiteralPlan(p) ? p.value : null])) },
      type
    }
  }
  return { plan: { _tag: "Object", entries: plans }, type }
}

/** A list mapping; wholly literal lists are folded into one literal. */
export const arrayOf = (items: ReadonlyArray<Compiled>): Compiled => {
  const [first] = items
  const element = first?.type
  const same = element !== undefined && items.every((c) => c.type !== undefined && isSubtype(c.type, element) && isSubtype(element, c.type))
  const type: TypeNode | undefined = same ? { _tag: "List", element } : undefined
  const plans = items.map((c) => c.plan)
  return plans.every(isLiteralPlan)
    ? { plan: { _tag: "Literal", value: plans.map((p) => p.value) }, type }
    : { plan: { _tag: "Array", items: plans }, type }
}

/** Marks a value that needs the output of a step that did not succeed. */
export const Unavailable: unique symbol = Symbol.for("orbiplex/pipeline/Unavailable")

const readField = (value: unknown, field: string): unknown =>
  typeof value === "object" && value !== null && Object.hasOwn(value, field)
    ? Reflect.get(value, field)
    : undefined

/** Sets a field, keeping a field named `__proto__` an ordinary field. */
export const setField = <A>(target: Record<string, A>, key: string, value: A): void => {
  // Plain assignment to `__proto__` would replace the prototype instead of adding a field.
  if (key === "__proto__") Object.defineProperty(target, key, { value, enumerable: true, writable: true })
  else target[key] = value
}

/**
 * Builds the value a plan describes. `outputs[i]` is step i's output; `succeeded(i)` says whether
 * it exists. An absent optional field stays absent in a record and becomes `null` in a list.
 */
export const evaluate = (
  plan: ValuePlan,
  inputs: unknown,
  outputs: ReadonlyArray<unknown>,
  succeeded: (index: number) => boolean
): unknown => {
  switch (plan._tag) {
    case "Literal":
      return plan.value
    case "Input":
      return readField(inputs, plan.field)
    case "Step": {
      if (!succeeded(plan.index)) return Unavailable
      const output = outputs[plan.index]
      return plan.field === undefined ? output : readField(output, plan.field)
    }
    case "Object": {
      const out: Record<string, unknown> = {}
      for (const [key, entry] of plan.entries) {
        const value = evaluate(entry, inputs, outputs, succeeded)
        if (value === Unavailable) return Unavailable
        if (value !== undefined) setField(out, key, value)
      }
      return out
    }
    case "Array": {
      const out: Array<unknown> = []
      for (const item of plan.items) {
        const value = evaluate(item, inputs, outputs, succeeded)
        if (value === Unavailable) return Unavailable
        out.push(value === undefined ? null : value)
      }
      return out
    }
  }
}
