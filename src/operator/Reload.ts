/**
 * Reloading a running node's config (`orbiplex reload`, SIGHUP): the config is checked first, and a
 * config with problems is refused with them listed and nothing changed; otherwise the supervisor
 * removes, restarts and adds exactly the modules whose entries changed (ReloadPlan), each with a
 * `config-digest-change` fact. The operator API reaches the reload through `ReloadPort`, which the
 * process that knows the config file (`orbiplex start`) fills once the node is built.
 */
import { Context, Effect, Layer, Option, Ref } from "effect"
import type { NodeConfig } from "../config/NodeConfig.js"
import { enabledModules } from "../config/NodeConfig.js"
import type { Supervisor } from "../supervisor/Supervisor.js"
import { planReload } from "./ReloadPlan.js"
import { ReloadReport } from "./ReloadReport.js"

/** How to read and check the config again: what `orbiplex start` used, errors as the lines to show. */
export interface ConfigSource {
  readonly file: string
  readonly load: Effect.Effect<NodeConfig, ReadonlyArray<string>>
}

/** Applies `config` to the supervisor (the plan against its current modules). */
export const apply = (supervisor: Supervisor["Type"], file: string, config: NodeConfig): Effect.Effect<ReloadReport> =>
  Effect.gen(function*() {
    const plan = planReload(supervisor.entries, enabledModules(config))
    const why = `config ${file} reloaded`
    for (const id of plan.removed) yield* Effect.ignore(supervisor.remove(id, "config-digest-change", `${why}: removed`))
    for (const { entry, from, to } of plan.changed) {
      yield* Effect.ignore(supervisor.replaceModule(entry, "config-digest-change", `${why}: entry digest ${from} -> ${to}`))
    }
    for (const entry of plan.added) yield* supervisor.addModule(entry, "config-digest-change", `${why}: added`)
    return new ReloadReport({
      outcome: "applied",
      file,
      added: plan.added.map((entry) => entry.id),
      removed: plan.removed,
      restarted: plan.changed.map((change) => change.entry.id),
      unchanged: plan.unchanged,
      problems: []
    })
  })

/** Where the operator API finds the reload of this process, once there is one. */
export class ReloadPort extends Context.Tag("orbiplex/ReloadPort")<ReloadPort, {
  /** Sets the reload (the node is built, its supervisor and config source are known). */
  readonly install: (supervisor: Supervisor["Type"], source: ConfigSource) => Effect.Effect<void>
  /** Runs a reload (one at a time); `unavailable` before `install`. */
  readonly reload: Effect.Effect<ReloadReport>
}>() {}

/** A port with nothing installed. */
export const make = Effect.gen(function*() {
  const installed = yield* Ref.make(Option.none<{ readonly supervisor: Supervisor["Type"]; readonly source: ConfigSource }>())
  const lock = yield* Effect.makeSemaphore(1)
  const reload = lock.withPermits(1)(Effect.gen(function*() {
    const current = yield* Ref.get(installed)
    if (Option.isNone(current)) {
      return ReloadReport.unavailable("this node was not started from a config file (`orbiplex start --config <file>`), so it has nothing to reload")
    }
    const { source, supervisor } = current.value
    const loaded = yield* Effect.either(source.load)
    if (loaded._tag === "Left") {
      return new ReloadReport({ outcome: "refused", file: source.file, added: [], removed: [], restarted: [], unchanged: [], problems: loaded.left })
    }
    return yield* apply(supervisor, source.file, loaded.right)
  }))
  return ReloadPort.of({
    install: (supervisor, source) => Ref.set(installed, Option.some({ supervisor, source })),
    reload
  })
})

/** The port as a layer. */
export const layer: Layer.Layer<ReloadPort> = Layer.effect(ReloadPort, make)
