/**
 * What the host gives a child (CONTRACTS §1.2): exactly `launch.env` plus the contract's variables,
 * nothing inherited from the host (its secrets must not leak), and a per-launch token in a 0600 file.
 */
import { FileSystem } from "@effect/platform"
import { NodeFileSystem } from "@effect/platform-node"
import { Effect, type Scope } from "effect"
import * as Crypto from "node:crypto"
import * as Path from "node:path"
import type { ModuleEntry } from "../contract/ModuleEntry.js"

/** The header the module checks; its value is `Bearer <token>`. */
export const AUTH_HEADER = "Authorization"

/** A per-launch token, in a private file the child reads, removed when the launch's scope closes. */
export interface LaunchToken {
  readonly token: string
  readonly file: string
}

/** Creates the token file (mode 0600) in a fresh private folder, removed with the scope. */
export const makeLaunchToken: Effect.Effect<LaunchToken, Error, Scope.Scope> = Effect.gen(function*() {
  const fs = yield* FileSystem.FileSystem
  // The folder (mode 0700) and its token go together when the launch's scope closes.
  const dir = yield* fs.makeTempDirectoryScoped({ prefix: "orbiplex-token-" })
  const token = Crypto.randomBytes(32).toString("hex")
  const file = Path.join(dir, "token")
  yield* fs.writeFileString(file, token, { mode: 0o600 })
  return { token, file }
}).pipe(
  // Provided here so a launch needs no platform layer beyond what the supervisor already has.
  Effect.provide(NodeFileSystem.layer),
  Effect.mapError((error) => new Error(error.message))
)

/** Host and port the module is asked to listen on, from `http.endpoint`. */
export const listenAddress = (entry: ModuleEntry): { readonly host: string; readonly port: number } => {
  const url = new URL(entry.http.endpoint)
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname
  return { host, port: url.port === "" ? 0 : Number(url.port) }
}

/**
 * The child's whole environment. `traceparent` (the spawning span's W3C trace context, given only
 * while tracing is on) becomes `TRACEPARENT`, so the module's start-up logs join the trace that started it.
 */
export const childEnvironment = (entry: ModuleEntry, token: LaunchToken, traceparent?: string): Record<string, string> => {
  const { host, port } = listenAddress(entry)
  return {
    ...(traceparent === undefined ? {} : { TRACEPARENT: traceparent }),
    ...entry.launch.env,
    ORBIPLEX_MODULE_ID: entry.module_id,
    ORBIPLEX_EXECUTOR_ID: entry.id,
    ORBIPLEX_LISTEN_HOST: host,
    ORBIPLEX_LISTEN_PORT: String(port),
    ORBIPLEX_MIDDLEWARE_AUTHTOK_FILE: token.file,
    ORBIPLEX_MIDDLEWARE_AUTH_HEADER: AUTH_HEADER,
    ORBIPLEX_MIDDLEWARE_MAX_CONNECTIONS: String(entry.http.max_in_flight),
    PYTHONUNBUFFERED: "1"
  }
}
