/**
 * Workflow templates: a file path, or the name of one shipped in modules/arca/templates/ (the CLI,
 * the work API and the schedules read them the same way).
 */
import { FileSystem, Path } from "@effect/platform"
import { Effect, Either, Option, Schema } from "effect"
import { packageRoot } from "../config/Bundled.js"
import { parseJsonObject } from "../contract/Json.js"

/** The template argument names no file and no shipped template, or is not a JSON object. */
export class TemplateUnreadable extends Schema.TaggedError<TemplateUnreadable>()("TemplateUnreadable", {
  template: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `cannot use workflow template ${JSON.stringify(this.template)}: ${this.reason}`
  }
}

/** Reads a template: a file path, or the name of one shipped in modules/arca/templates/. */
export const loadTemplate = Effect.fn("Templates.loadTemplate")(function*(template: string) {
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path
  const root = yield* packageRoot
  const shippedDir = Option.map(root, (dir) => path.join(dir, "modules", "arca", "templates"))
  const candidates = [
    template,
    ...Option.match(shippedDir, {
      onNone: () => [],
      onSome: (dir) => /^[A-Za-z0-9_.-]+$/.test(template) ? [path.join(dir, template), path.join(dir, `${template}.json`)] : []
    })
  ]
  for (const candidate of candidates) {
    const text = yield* fs.readFileString(candidate).pipe(Effect.option)
    if (Option.isNone(text)) continue
    return yield* Either.match(parseJsonObject(text.value), {
      onLeft: (reason) => Effect.fail(new TemplateUnreadable({ template: candidate, reason: `not a JSON object (${reason})` })),
      onRight: (json) => Effect.succeed({ file: candidate, template: json })
    })
  }
  const shipped = yield* Option.match(shippedDir, {
    onNone: () => Effect.succeed<ReadonlyArray<string>>([]),
    onSome: (dir) => fs.readDirectory(dir).pipe(Effect.orElseSucceed(() => []))
  })
  return yield* new TemplateUnreadable({
    template,
    reason: `no such file, and no shipped template of that name (shipped: ${
      shipped.filter((name) => name.endsWith(".json")).map((name) => name.slice(0, -5)).join(", ") || "none"
    })`
  })
})

