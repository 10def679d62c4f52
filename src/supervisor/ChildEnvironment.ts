/**
 * What the host gives a child (CONTRACTS §1.2): exactly `launch.env` plus the contract's variables,
 * nothing inherited from the host (its secrets must not leak), and a per-launch token in a 0600 file.
 */
import { Effect, type Scope } from "effect"
import * as Crypto from "node:crypto"
import * as Fs from "node:fs/promises"
import * as Os from "node:os"
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
export const makeLaunchToken: Effect.Effect<LaunchToken, Error, Scope.Scope> = Effect.acquireRelease(
  Effect.tryPromise({
    try: async () => {
      const dir = await Fs.mkdtemp(Path.join(Os.tmpdir(), "orbiplex-token-"))
      const token = Crypto.randomBytes(32).toString("hex")
      const file = Path.join(dir, "token")
      await Fs.writeFile(file, token, { mode: 0o600 })
      return { token, file }
    },
    catch: (error) => error instanceof Error ? error : new Error(String(error))
  }),
  (launch) => Effect.promise(() => Fs.rm(Path.dirname(launch.file), { recursive: true, force: true }))
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
