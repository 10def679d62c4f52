/**
 * Debian's headless Chromium driven by playwright-core, closed with the test's scope. Missing
 * Chromium skips the browser tests locally and fails them in CI (CI=true).
 */
import { Effect, type Scope } from "effect"
import * as Fs from "node:fs"
import { type Browser, chromium } from "playwright-core"

/** Where Debian installs Chromium (`apt-get install -y chromium`). */
export const CHROMIUM = process.env["ORBIPLEX_CHROMIUM"] ?? "/usr/bin/chromium"

/** Whether the browser tests run here: Chromium is installed, or CI demands them (and fails without it). */
export const browserTestsRun = (): boolean => {
  if (Fs.existsSync(CHROMIUM)) return true
  if (process.env["CI"] === "true") return true
  console.warn(`skipping the browser tests: no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set ORBIPLEX_CHROMIUM)`)
  return false
}

// Quiet on a closed network: no background fetches, updates, sync or QUIC probes.
const ARGS = [
  "--no-sandbox",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
  "--disable-default-apps",
  "--disable-extensions",
  "--disable-dev-shm-usage"
]

/**
 * A headless Chromium, closed with the scope. playwright gives each launch a fresh temporary
 * profile (its own --user-data-dir, removed on close); it refuses one passed in `args`.
 */
export const launchChromium: Effect.Effect<Browser, Error, Scope.Scope> = Effect.acquireRelease(
  Effect.tryPromise({
    try: () => {
      if (!Fs.existsSync(CHROMIUM)) {
        return Promise.reject(new Error(`no Chromium at ${CHROMIUM}: CI needs it for the console test (apt-get install -y chromium)`))
      }
      return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS })
    },
    catch: (error) => error instanceof Error ? error : new Error(String(error))
  }),
  (browser) => Effect.promise(() => browser.close().catch(() => undefined))
)
