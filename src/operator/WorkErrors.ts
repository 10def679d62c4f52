/**
 * The errors of the work and orders groups, one schema each with its status, so the server encodes
 * and the client decodes the same body.
 */
import { HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"

/** The status each work error answers with, by tag. */
export const WORK_ERROR_STATUS = {
  WorkUnavailable: 503,
  WorkRefused: 422,
  RunUnknown: 404,
  RunEnded: 409,
  OrderUnknown: 404,
  IdempotencyConflict: 409,
  WorkFailed: 500
} as const

/** 503: the node does not take work yet (still starting) or at all (embedded without the work layers). */
export class WorkUnavailable extends Schema.TaggedError<WorkUnavailable>()(
  "WorkUnavailable",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: WORK_ERROR_STATUS.WorkUnavailable })
) {}

/** 422: the work named something the node does not have, or its input does not fit. */
export class WorkRefused extends Schema.TaggedError<WorkRefused>()(
  "WorkRefused",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: WORK_ERROR_STATUS.WorkRefused })
) {}

/** 404: no workflow run with this id. */
export class RunUnknown extends Schema.TaggedError<RunUnknown>()(
  "RunUnknown",
  { run_id: Schema.String, message: Schema.String },
  HttpApiSchema.annotations({ status: WORK_ERROR_STATUS.RunUnknown })
) {}

/** 409: the run ended before the request (cancelling a completed, failed or cancelled run). */
export class RunEnded extends Schema.TaggedError<RunEnded>()(
  "RunEnded",
  { run_id: Schema.String, status: Schema.String, message: Schema.String },
  HttpApiSchema.annotations({ status: WORK_ERROR_STATUS.RunEnded })
) {}

/** 404: no order awaiting a decision with this id. */
export class OrderUnknown extends Schema.TaggedError<OrderUnknown>()(
  "OrderUnknown",
  { order_id: Schema.String, message: Schema.String },
  HttpApiSchema.annotations({ status: WORK_ERROR_STATUS.OrderUnknown })
) {}

/** 409: the Idempotency-Key was used for another body, or its first request is still running. */
export class IdempotencyConflict extends Schema.TaggedError<IdempotencyConflict>()(
  "IdempotencyConflict",
  { key: Schema.String, message: Schema.String },
  HttpApiSchema.annotations({ status: WORK_ERROR_STATUS.IdempotencyConflict })
) {}

/** 500: the node failed while doing the work (its store, most often). */
export class WorkFailed extends Schema.TaggedError<WorkFailed>()(
  "WorkFailed",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: WORK_ERROR_STATUS.WorkFailed })
) {}
