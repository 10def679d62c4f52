/**
 * The checks both kinds of member share: one HTTP health check that reads a "degraded" body, and
 * the readiness wait, a `Schedule` bounded by the start deadline.
 */
import { HttpClient } from "@effect/platform"
import { Clock, Duration, Effect, Ref, Schedule } from "effect"
import type { HealthReport } from "./Member.js"

/** How often readiness is asked: fast at first (a module is ready in ~70 ms), then every 100 ms. */
export const readinessPolicy: Schedule.Schedule<unknown> = Schedule.exponential(Duration.millis(2), 1.5).pipe(
  Schedule.either(Schedule.spaced("100 millis"))
)

/** How health is polled while serving: one check every `intervalMs`, the first after one interval. */
export const healthPolicy = (intervalMs: number): Schedule.Schedule<number> => Schedule.spaced(Duration.millis(intervalMs))

/**
 * Retries `check` on `readinessPolicy` until it succeeds or `withinMs` is spent; fails with the last
 * answer seen (so the message names it, not "timeout"), or `noAnswer` when nothing answered. No check
 * starts after the deadline, and each one gets only the time left, so a check in flight cannot
 * stretch it; a check cut short by the deadline does not hide the answer an earlier one gave.
 */
export const awaitReady = <E>(check: Effect.Effect<void, E>, withinMs: number, noAnswer: E): Effect.Effect<void, E> =>
  Effect.gen(function*() {
    const deadline = (yield* Clock.currentTimeMillis) + withinMs
    const lastAnswer = yield* Ref.make(noAnswer)
    const attempt = Effect.flatMap(Clock.currentTimeMillis, (now) =>
      check.pipe(
        Effect.tapError((answer) => Ref.set(lastAnswer, answer)),
        Effect.timeout(Duration.millis(Math.max(0, deadline - now))),
        Effect.catchTag("TimeoutException", () => Effect.flatMap(Ref.get(lastAnswer), Effect.fail))
      ))
    const beforeDeadline = readinessPolicy.pipe(
      Schedule.delays,
      Schedule.checkEffect((_, delay) => Effect.map(Clock.currentTimeMillis, (now) => now + Duration.toMillis(delay) < deadline))
    )
    return yield* Effect.retry(attempt, beforeDeadline)
  })

/** GET `url`: 200 with `{"status":"degraded"}` is degraded, any other 200 ok, anything else a failure. */
export const httpHealth = (client: HttpClient.HttpClient, url: string): Effect.Effect<HealthReport, string> =>
  client.get(url).pipe(
    Effect.mapError((error) => error.message),
    Effect.flatMap((response) =>
      response.status === 200
        ? Effect.map(
          Effect.orElseSucceed(response.json, () => ({})),
          (body): HealthReport =>
            typeof body === "object" && body !== null && "status" in body && body.status === "degraded" ? "degraded" : "ok"
        )
        : Effect.fail(`answered ${response.status}`)
    ),
    Effect.scoped
  )

/** GET `url` answering 200 (readiness). */
export const httpReady = (client: HttpClient.HttpClient, url: string): Effect.Effect<void, string> =>
  client.get(url).pipe(
    Effect.mapError((error) => error.message),
    Effect.flatMap((response) => (response.status === 200 ? Effect.void : Effect.fail(`answered ${response.status}`))),
    Effect.scoped
  )
