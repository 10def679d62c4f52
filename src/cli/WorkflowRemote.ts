/**
 * `workflow run` on the running node (the run goes on there; `--follow` polls its phases), and
 * `workflow list | show <id> | cancel <id>`.
 */
import { Effect, Option, Ref, Schedule } from "effect"
import type { JsonObject } from "../contract/Json.js"
import type { RunBody } from "../operator/WorkApi.js"
import type { WorkClient } from "../operator/WorkClient.js"
import type { RunOutcome } from "../workflow/WorkflowRun.js"
import { eventLine, outcomeLines, phaseOrder } from "./WorkflowLines.js"

/** How often `--follow` asks the node for the run. */
export const followSchedule = Schedule.spaced("500 millis")

/** The outcome of an ended run (`None` while it runs or when it was cancelled). */
export const outcomeOfView = (view: RunBody): Option.Option<RunOutcome> =>
  view.status === "running" || view.status === "cancelled" ? Option.none() : Option.some({
    run_id: view.run_id,
    workflow_id: view.workflow_id,
    status: view.status,
    moves: view.moves,
    state: view.state,
    ...(view.failure === undefined ? {} : { failure: view.failure })
  })

/** The closing lines of a run as the node shows it. */
export const viewLines = (view: RunBody, where: string): ReadonlyArray<string> =>
  Option.match(outcomeOfView(view), {
    onSome: (outcome) => outcomeLines(outcome, where),
    onNone: () => [`workflow ${view.workflow_id} run ${view.run_id} ${view.status}${view.active ? " on the node" : ""} after ${view.moves} moves`]
  })

/** Prints the run's new events as phase lines until it ends; answers the ended run. */
export const follow = (client: WorkClient, runId: string, template: Option.Option<JsonObject>, print: (line: string) => Effect.Effect<void>) =>
  Effect.gen(function*() {
    const seen = yield* Ref.make(0)
    const phases = Option.match(template, { onNone: () => [], onSome: phaseOrder })
    const step = Effect.gen(function*() {
      const view = yield* client.getRun(runId)
      const from = yield* Ref.getAndSet(seen, view.events.length)
      for (const event of view.events.slice(from)) {
        yield* Option.match(eventLine(event, phases), { onNone: () => Effect.void, onSome: print })
      }
      return view
    })
    // The schedule passes the last run through, so the repeat answers it.
    const policy = Schedule.identity<RunBody>().pipe(
      Schedule.zipLeft(followSchedule),
      Schedule.untilInput((view: RunBody) => view.status !== "running" || !view.active)
    )
    return yield* Effect.repeat(step, policy)
  })

/** One line per run for `workflow list`. */
export const listLines = (runs: ReadonlyArray<{ readonly run_id: string; readonly status: string; readonly active: boolean }>) =>
  runs.length === 0 ? ["no workflow runs"] : runs.map((run) => `${run.run_id}  ${run.status}${run.active ? " (running on the node)" : ""}`)
