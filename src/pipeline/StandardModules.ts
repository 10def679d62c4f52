/**
 * In-process TypeScript modules every node has, so config pipelines can mix TypeScript steps with
 * providers without an embedder registering anything. Each is small and pure.
 */
import { Effect, Schema } from "effect"
import * as InProcessModule from "./InProcessModule.js"

const Text = Schema.Struct({ text: Schema.String })

/** `{ text }` → `{ text }`: runs of whitespace become one space, and the ends are trimmed. */
export const Normalize = InProcessModule.make({
  name: "Normalize",
  input: Text,
  output: Text,
  run: ({ text }) => Effect.succeed({ text: text.replace(/\s+/g, " ").trim() })
})

/** `{ text }` → `{ words }`: the number of whitespace-separated words. */
export const WordCount = InProcessModule.make({
  name: "WordCount",
  input: Text,
  output: Schema.Struct({ words: Schema.Int }),
  run: ({ text }) => Effect.succeed({ words: text.split(/\s+/).filter((w) => w !== "").length })
})

/** `{ sentiment, confidence, keywords }` → `{ summary }`: one readable line. */
export const Summarize = InProcessModule.make({
  name: "Summarize",
  input: Schema.Struct({
    sentiment: Schema.String,
    confidence: Schema.Finite,
    keywords: Schema.Array(Schema.String),
    words: Schema.optional(Schema.Int)
  }),
  output: Schema.Struct({ summary: Schema.String }),
  run: ({ sentiment, confidence, keywords, words }) =>
    Effect.succeed({
      summary: `${sentiment} (${Math.round(confidence * 100)}%)` +
        (keywords.length > 0 ? `, about ${keywords.join(", ")}` : "") +
        (words === undefined ? "" : `, ${words} word${words === 1 ? "" : "s"}`)
    })
})

/** Every standard module. */
export const standardModules: ReadonlyArray<InProcessModule.InProcessModule<unknown, unknown>> = [Normalize, WordCount, Summarize]
