/**
 * The hook registry (issue 3 item 1): the built-in hooks, tuned or extended by the node config's
 * `hooks` section, and the check that every module attaches only to hooks that exist.
 */
import { Context, Effect, Either, Layer, Schema } from "effect"
import type { ModuleEntry } from "../contract/ModuleEntry.js"
import { formatProblems, Problem, problemsOf } from "../contract/Problems.js"
import { builtinHookList, builtinHooks } from "./BuiltinHooks.js"
import * as Hook from "./Hook.js"
import { HooksConfig } from "./HookConfig.js"

/** A hook name no one declared. */
export class UnknownHook extends Schema.TaggedError<UnknownHook>()("UnknownHook", {
  hook: Schema.String,
  known: Schema.Array(Schema.String)
}) {
  override get message(): string {
    return `there is no hook ${JSON.stringify(this.hook)}: the hooks are ${this.known.join(", ")}; ` +
      `declare new ones under "hooks" in the node config`
  }
}

/** The `hooks` section, or a module's attachment to hooks, is wrong; every problem is listed. */
export class HooksInvalid extends Schema.TaggedError<HooksInvalid>()("HooksInvalid", {
  problems: Schema.Array(Problem)
}) {
  override get message(): string {
    return `the hooks of the node config have ${this.problems.length} problem(s); nothing was started:\n` +
      formatProblems(this.problems)
  }
}

/** The registry of hooks. */
export class HookRegistry extends Context.Tag("orbiplex/HookRegistry")<HookRegistry, {
  /** The hook called `name`. */
  readonly get: (name: string) => Effect.Effect<Hook.Hook, UnknownHook>
  /** Every hook: the built-in ones first, then the declared ones in config order. */
  readonly hooks: ReadonlyArray<Hook.Hook>
}>() {}

/** What the registry is built from: the raw or decoded `hooks` section and the module entries. */
export interface RegistrySource {
  readonly hooks: unknown
  readonly modules: ReadonlyArray<ModuleEntry>
}

const decodeSection = Schema.decodeUnknownEither(HooksConfig, { errors: "all", onExcessProperty: "error" })

/** Problems of modules attached to hooks that do not exist (`modules[i].hooks[j]`). */
export const attachmentProblems = (
  modules: ReadonlyArray<ModuleEntry>,
  names: ReadonlySet<string>
): Array<Problem> =>
  modules.flatMap((entry, index) =>
    entry.hooks.flatMap((hook, position) =>
      names.has(hook) ? [] : [
        new Problem({
          path: `modules[${index}].hooks[${position}]`,
          message: `${JSON.stringify(hook)} is not a hook: the hooks are ${[...names].join(", ")}; ` +
            `declare it under "hooks" or fix the name`
        })
      ]
    )
  )

/**
 * Compiles every hook of a config: built-ins (tuned by entries of the same name) then declared ones.
 * Decoding is idempotent, so `hooks` may be the raw section or one `NodeConfig` already decoded.
 */
export const compileAll = (source: RegistrySource): Either.Either<ReadonlyArray<Hook.Hook>, HooksInvalid> => {
  const decoded = decodeSection(source.hooks ?? {})
  if (Either.isLeft(decoded)) return Either.left(new HooksInvalid({ problems: problemsOf(decoded.left, ["hooks"]) }))
  const section = decoded.right
  const problems: Array<Problem> = []
  const hooks: Array<Hook.Hook> = []
  const names = [...builtinHookList.map((hook) => hook.name), ...Object.keys(section).filter((name) => !builtinHooks.has(name))]
  for (const name of names) {
    const compiled = Hook.compile(name, section[name], builtinHooks.get(name))
    if (Either.isLeft(compiled)) problems.push(...Hook.issuesToProblems(name, compiled.left))
    else hooks.push(compiled.right)
  }
  problems.push(...attachmentProblems(source.modules, new Set(names)))
  return problems.length > 0 ? Either.left(new HooksInvalid({ problems })) : Either.right(hooks)
}

/** Every problem of a config's hooks and attachments (empty when fine); for `orbiplex validate`. */
export const configProblems = (source: RegistrySource): ReadonlyArray<Problem> =>
  Either.match(compileAll(source), { onLeft: (error) => error.problems, onRight: () => [] })

/** A registry over compiled hooks. */
export const fromHooks = (hooks: ReadonlyArray<Hook.Hook>): HookRegistry["Type"] => {
  const byName = new Map(hooks.map((hook) => [hook.name, hook]))
  const known = hooks.map((hook) => hook.name)
  return HookRegistry.of({
    get: (name) => {
      const hook = byName.get(name)
      return hook === undefined ? Effect.fail(new UnknownHook({ hook: name, known })) : Effect.succeed(hook)
    },
    hooks
  })
}

/** Builds the registry; fails with every problem of the section and of the modules' attachments. */
export const make = (source: RegistrySource): Effect.Effect<HookRegistry["Type"], HooksInvalid> =>
  Effect.map(compileAll(source), fromHooks)

/** The registry of a node config (its `hooks` section, raw or decoded, and its enabled modules). */
export const layer = (config: RegistrySource): Layer.Layer<HookRegistry, HooksInvalid> =>
  Layer.effect(HookRegistry, make(config))

/** The built-in hooks only. */
export const layerBuiltin: Layer.Layer<HookRegistry, HooksInvalid> = layer({ hooks: {}, modules: [] })
