/**
 * What `orbiplex schedule list` does: each schedule with its next firings, from the running node, or computed
 * from the config's `schedules` section when no node answers.
 */
import * as CliHttp from "./CliHttp.js"
import { Clock, Console, Effect, type Option } from "effect"
import { loadNodeConfig } from "../config/ConfigLoader.js"
import { makeWorkClient } from "../operator/WorkClient.js"
import { type ScheduleView, viewOf } from "../workflow/Schedules.js"
import { resolveConfigFile } from "./ConfigFile.js"
import { resolveTarget } from "./OperatorTarget.js"

/** The lines of one schedule. */
export const scheduleLines = (view: ScheduleView): ReadonlyArray<string> => [
  `${view.id}  "${view.cron}" ${view.timezone}  workflow ${view.template}  missed: ${view.missed}, overlap: ${view.overlap}` +
    (view.last_fired === undefined ? "" : `  last fired ${view.last_fired}`) +
    (view.running.length === 0 ? "" : `  running: ${view.running.join(", ")}`),
  ...view.next.map((at) => `  next ${at}`)
]

const fromConfig = (config: Parameters<typeof resolveConfigFile>[0], count: number) =>
  Effect.gen(function*() {
    const file = yield* resolveConfigFile(config)
    const node = yield* loadNodeConfig(file)
    const now = yield* Clock.currentTimeMillis
    return node.schedules.map((entry) => viewOf(entry, now, count))
  })

/** Prints each schedule with its next `count` firings, from the node or else from the config. */
export const listSchedules = (args: { readonly operator: Option.Option<string>; readonly config: Option.Option<string>; readonly count: number }) =>
  Effect.gen(function*() {
    const remote = yield* Effect.either(
      Effect.flatMap(resolveTarget(args), (target) => Effect.flatMap(makeWorkClient(target.url, target.token), (client) => client.listSchedules)).pipe(
        Effect.provide(CliHttp.layer)
      )
    )
    if (remote._tag === "Left") yield* Console.error(`${remote.left.message}\ncomputing the next firings from the config instead`)
    const views = remote._tag === "Right"
      ? remote.right.schedules.map((view) => ({ ...view, next: view.next.slice(0, args.count) }))
      : yield* fromConfig(args.config, args.count)
    if (views.length === 0) return yield* Console.log("no schedules configured")
    for (const view of views) for (const line of scheduleLines(view)) yield* Console.log(line)
  })
