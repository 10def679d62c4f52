/**
 * The HTTP client of the command line's conversations with a node (status, work, logs, reload,
 * schedules): Node's built-in `fetch`. A command sends a handful of requests, so it needs no pool
 * tuning, and the built-in client is part of Node itself: the undici package the node's own layers
 * use is a megabyte of code that every command would parse first (~100 ms on a small machine).
 */
import { FetchHttpClient } from "@effect/platform"

/** The command line's HTTP client. */
export const layer = FetchHttpClient.layer
