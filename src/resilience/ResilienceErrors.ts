/**
 * The two errors the call policies raise themselves (CONTRACTS §3.4). They live here, below `provider`,
 * so the provider client, the supervisor and pipelines can all re-export one class each instead of
 * translating between look-alikes.
 */
import { Schema } from "effect"
import { formatMillis } from "../contract/DurationString.js"

/** One attempt of a call did not finish within its `timeout`; the attempt was interrupted. */
export class Timeout extends Schema.TaggedError<Timeout>("orbiplex/Timeout")("Timeout", {
  module: Schema.String,
  timeoutMs: Schema.Number,
  attempt: Schema.Int,
  maxAttempts: Schema.Int,
  executionId: Schema.String
}) {
  /** What timed out and what an operator can do about it. */
  override get message(): string {
    return `Module "${this.module}" did not answer within ${formatMillis(this.timeoutMs)} (attempt ${this.attempt} of ${this.maxAttempts}, execution ${this.executionId}), so the attempt was abandoned: check the module's health and logs for slow work, or raise the \`timeout\` call option if this work is legitimately slower.`
  }
}

/** The module's circuit breaker is open: the call was refused without being sent. */
export class CircuitOpen extends Schema.TaggedError<CircuitOpen>("orbiplex/CircuitOpen")("CircuitOpen", {
  module: Schema.String,
  /** `open`: waiting for the probe time; `half-open`: probes are in flight and decide. */
  state: Schema.Literal("open", "half-open"),
  failures: Schema.Int,
  /** Clock time (epoch milliseconds) at which the next probe may go out. */
  probeAtMs: Schema.Number,
  /** Milliseconds from the refusal to that probe. */
  retryInMs: Schema.Number
}) {
  /** Why the call was refused, when the module will be tried again, and what to check. */
  override get message(): string {
    const when = this.state === "half-open"
      ? "a probe call is in flight and decides whether the breaker closes"
      : `the next call after ${new Date(this.probeAtMs).toISOString()} (in ${
        formatMillis(Math.max(0, Math.round(this.retryInMs)))
      }) goes out as a probe`
    return `Module "${this.module}" is failing fast: its circuit breaker opened after ${this.failures} consecutive failures and ${when}. Check the module's health endpoint and logs; the breaker closes by itself once a probe succeeds.`
  }
}
