/**
 * Resumes, when the node starts, every run the store holds as `running`: a run whose host died (a
 * crash, a SIGKILL, a power cut) mid-run. Each is driven on in its own fiber in the node's scope, as
 * `workflow run --run-id` would; intent ids already recorded are answered from the store, never run
 * again. A run stopped on purpose (`suspended`, `failed`) is left for the operator; a `cancelled` one
 * has ended for good and is never picked up.
 */
import { Effect, Layer } from "effect"
import { WorkflowRunRepo } from "../store/WorkflowRunRepo.js"
import { WorkflowRunner } from "./WorkflowRunner.js"

/** Finds the interrupted runs and forks one driver each; answers their ids. */
export const resumeInterrupted = Effect.gen(function*() {
  const runs = yield* WorkflowRunRepo
  const runner = yield* WorkflowRunner
  const interrupted = yield* runs.withStatus("running")
  for (const runId of interrupted) {
    yield* Effect.logInfo(`workflow run ${runId} was running when the node stopped: resuming it from the store`)
    yield* runner.resume(runId).pipe(
      Effect.tap((outcome) =>
        Effect.logInfo(
          `workflow run ${runId} resumed: ${outcome.status}` +
            (outcome.failure === undefined ? "" : ` (${outcome.failure.code}: ${outcome.failure.reason})`)
        )
      ),
      Effect.catchAll((error) => Effect.logError(`workflow run ${runId} could not be resumed: ${error.message}`)),
      Effect.forkScoped
    )
  }
  return interrupted
}).pipe(
  Effect.catchAll((error) =>
    Effect.zipRight(
      Effect.logError(`interrupted workflow runs were not resumed: ${error.message}`),
      Effect.succeed<ReadonlyArray<string>>([])
    )
  )
)

/** The resumption as a step of starting the node (the drivers live as long as the node). */
export const layer: Layer.Layer<never, never, WorkflowRunRepo | WorkflowRunner> = Layer.scopedDiscard(resumeInterrupted)
