import { Either } from "effect"
import type { ModuleCatalog, ModuleSignature } from "../../src/pipeline/Definition.js"
import { parseSchema } from "../../src/typelang/TypeLanguage.js"

const signature = (input: unknown, output: unknown): ModuleSignature => ({
  input: Either.getOrThrow(parseSchema(input)),
  output: Either.getOrThrow(parseSchema(output))
})

/** Module signatures shared by the pipeline tests. */
export const catalog: ModuleCatalog = new Map([
  ["Trim", signature({ text: "String" }, { text: "String" })],
  ["Sentiment", signature({ text: "String" }, { sentiment: "String", confidence: "Float" })],
  ["Count", signature({ text: "String" }, { n: "Int", maybe: "Optional<String>" })],
  ["Scale", signature({ x: "Float" }, { y: "Float" })],
  ["Tagger", signature({ text: "String", lang: "Optional<String>" }, { tags: "List<String>" })],
  ["Digits", signature({ text: "String" }, "List<Int>")],
  ["Sum", signature({ items: "List<Int>", extra: { weight: "Int" } }, { total: "Int" })]
])

/** The example of CONTRACTS §3.6. */
export const sentimentPipeline = {
  inputs: { text: "String" },
  steps: {
    clean: { module: "Trim", input: { text: "$inputs.text" } },
    sent: {
      module: "Sentiment",
      input: { text: "$steps.clean.text" },
      with: {
        retry: 3,
        timeout: "2s",
        delay: "100ms",
        backoff: "exponential",
        cache: "5min",
        fallback: { sentiment: "neutral", confidence: 0 }
      }
    }
  },
  outputs: { sentiment: "$steps.sent.sentiment", confidence: "$steps.sent.confidence" }
}

/** Reads a field of a JSON input in a test runner, without trusting its shape. */
export const field = (input: unknown, name: string): unknown =>
  typeof input === "object" && input !== null && Object.hasOwn(input, name) ? Reflect.get(input, name) : undefined

/** A string field of a JSON input, or "". */
export const textOf = (input: unknown, name = "text"): string => {
  const value = field(input, name)
  return typeof value === "string" ? value : ""
}

/** A number field of a JSON input, or 0. */
export const numberOf = (input: unknown, name: string): number => {
  const value = field(input, name)
  return typeof value === "number" ? value : 0
}
