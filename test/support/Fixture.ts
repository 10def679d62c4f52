/**
 * Decoded `ModuleEntry`s for the scripted fixture module (test/fixtures/fixture_module.py), with
 * short timeouts and backoffs so the suite stays fast, and the build manifest's interpreter.
 */
import { Schema } from "effect"
import * as Crypto from "node:crypto"
import * as Fs from "node:fs"
import { fileURLToPath } from "node:url"
import { BundledManifest } from "../../src/config/Bundled.js"
import { NodeConfig, NodeSettings } from "../../src/config/NodeConfig.js"
import type { Backoff, HealthSettings, HttpSettings, Launch, StopSettings } from "../../src/contract/ModuleEntry.js"
import { ModuleEntry } from "../../src/contract/ModuleEntry.js"

/** The repository root. */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url))
/** The folder of the scripted fixtures. */
export const FIXTURES_DIR = fileURLToPath(new URL("../fixtures/", import.meta.url))
/** The scripted fixture module. */
export const FIXTURE_SCRIPT = fileURLToPath(new URL("../fixtures/fixture_module.py", import.meta.url))
/** A wrapper that writes the environment it was given to a file, then runs the fixture module. */
export const ENV_DUMP_SCRIPT = fileURLToPath(new URL("./env_dump.py", import.meta.url))
/** A wrapper that runs the fixture module and reports, in each answer, how many calls it had in progress. */
export const CONCURRENCY_PROBE_SCRIPT = fileURLToPath(new URL("./concurrency_probe.py", import.meta.url))
/** The compiled command line (`npm run build`). */
export const BIN = fileURLToPath(new URL("../../dist/cli/orbiplex.js", import.meta.url))
/** The bundled-modules manifest (`npm run build`). */
export const MANIFEST_FILE = fileURLToPath(new URL("../../build/modules/manifest.json", import.meta.url))

/**
 * An argument every fixture process of this test file carries (the fixture ignores its argv), so
 * the leftover check finds exactly this file's processes and never another worker's.
 */
export const RUN_MARKER = `--orbiplex-test-run=${Crypto.randomUUID()}`

const readManifest = (): BundledManifest => {
  if (!Fs.existsSync(MANIFEST_FILE)) {
    throw new Error(`${MANIFEST_FILE} is missing: run "npm run build" before the supervisor tests`)
  }
  return Schema.decodeUnknownSync(Schema.parseJson(BundledManifest))(Fs.readFileSync(MANIFEST_FILE, "utf8"))
}

/** The build manifest (read once per test file). */
export const manifest: BundledManifest = readManifest()

/** The absolute interpreter path the build recorded (never a PATH lookup, never a shim). */
export const PYTHON: string = manifest.python

/** Fixture modes, as the fixture's docstring lists them. */
export type FixtureMode =
  | "ok"
  | "never_announce"
  | "never_ready"
  | "crash_on_start"
  | "crash_after"
  | "ignore_sigterm"
  | "garbage"
  | "too_large"
  | "slow"
  | "wrong_module_id"
  | "wrong_contract"
  | "unhealthy_after"
  | "scripted"

type Encoded<A extends { readonly Encoded: unknown }> = A["Encoded"]

/** What a test may change in a fixture entry, in config (encoded) form; nested sections merge. */
export interface FixtureOverrides {
  /** Added to the fixture's `launch.env` (which already holds FIXTURE_MODE). */
  readonly env?: Record<string, string>
  readonly module_id?: string
  readonly component_id?: string
  readonly enabled?: boolean
  readonly launch?: Partial<Encoded<typeof Launch>>
  readonly http?: Encoded<typeof HttpSettings>
  readonly restart_policy?: {
    readonly mode?: "never" | "on_failure"
    readonly max_restarts?: number
    readonly window_sec?: number
    readonly backoff?: Encoded<typeof Backoff>
  }
  readonly health?: Encoded<typeof HealthSettings>
  readonly stop?: Encoded<typeof StopSettings>
  readonly hooks?: ReadonlyArray<string>
  readonly grants?: ReadonlyArray<string>
  readonly settings?: Record<string, unknown>
}

const decodeEntry = Schema.decodeUnknownSync(ModuleEntry, { onExcessProperty: "error" })

/** The fixture's entry in config form (before decoding). */
export const fixtureEntryJson = (id: string, mode: FixtureMode, overrides: FixtureOverrides = {}) => {
  const { env, launch, http, restart_policy, health, stop, ...rest } = overrides
  return {
    id,
    module_id: "fixture-module",
    component_id: `middleware.${id}`,
    ...rest,
    launch: {
      executable: PYTHON,
      args: [FIXTURE_SCRIPT, RUN_MARKER],
      cwd: FIXTURES_DIR,
      ...launch,
      env: { FIXTURE_MODE: mode, ...launch?.env, ...env }
    },
    http: { startup_timeout_ms: 5_000, request_timeout_ms: 2_000, ...http },
    restart_policy: {
      mode: "on_failure" as const,
      max_restarts: 2,
      window_sec: 60,
      ...restart_policy,
      backoff: { initial_ms: 20, max_ms: 100, factor: 2, jitter: false, ...restart_policy?.backoff }
    },
    // Health checks are opt-in per test: a long interval keeps them out of the way.
    health: { interval_ms: 60_000, failure_threshold: 3, ...health },
    stop: { grace_ms: 1_000, ...stop }
  }
}

/** A decoded `ModuleEntry` for the fixture in `mode`, with the manifest's python. */
export const fixtureEntry = (id: string, mode: FixtureMode, overrides: FixtureOverrides = {}): ModuleEntry =>
  decodeEntry(fixtureEntryJson(id, mode, overrides))

/** A node config holding `modules`. */
export const nodeConfig = (modules: ReadonlyArray<ModuleEntry>): NodeConfig =>
  NodeConfig.make({ node: NodeSettings.make({ id: "node-test" }), modules })
