/**
 * The `hooks` section of the node config (CONTRACTS §0, §2.3): operators declare extra hooks and tune
 * the built-in ones. Decoding refuses, with the path named, anything the registry could not honour:
 * unknown keywords in a payload schema, a grant that overlaps a host-owned path, a fallback decision
 * the hook does not admit, a change to what a built-in hook admits.
 *
 * Every field is optional and nothing is transformed, so decoding an already decoded section gives
 * it back unchanged; defaults are applied when a hook is compiled (`Hook.compile`).
 */
import { Schema } from "effect"
import { builtinHooks } from "./BuiltinHooks.js"
import * as Hook from "./Hook.js"
import { HookSpec, isHookName } from "./HookSpec.js"


/** The `hooks` section: hook name → spec. Built-in names tune a built-in hook; other names declare one. */
export const HooksConfig = Schema.Record({ key: Schema.String, value: HookSpec }).pipe(
  Schema.filter((section) => {
    const issues: Array<Schema.FilterIssue> = []
    for (const [name, spec] of Object.entries(section)) {
      if (!isHookName(name)) {
        issues.push({
          path: [name],
          message: `${JSON.stringify(name)} is not a hook name: use lowercase words joined by ".", "-" or "_", ` +
            `for example "review.submit"`
        })
        continue
      }
      const compiled = Hook.compile(name, spec, builtinHooks.get(name))
      if (compiled._tag === "Left") {
        for (const issue of compiled.left) issues.push({ path: [name, ...issue.path], message: issue.message })
      }
    }
    return issues
  })
).annotations({ identifier: "HooksConfig", description: "hook name → hook settings" })
/** The decoded `hooks` section. */
export type HooksConfig = typeof HooksConfig.Type
