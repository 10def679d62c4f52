/**
 * The web console end to end in a real headless Chromium: a real `orbiplex start` with the bundled
 * Dator and Arca, signed in through the URL `orbiplex console` prints, both members ready, Dator
 * restarted with its button and its restart count seen to rise; a screenshot is saved.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Url from "node:url"
import { ARCA_GRANTS, bundledEntryJson } from "../exchange/ExchangeHarness.js"
import { requireBuild, runCli } from "../support/Cli.js"
import { awaitLine, startHost } from "../support/Host.js"
import { awaitGone, expectNoLeftoverProcesses } from "../support/Processes.js"
import { tempDir, writeFile } from "../support/TempFiles.js"
import { browserTestsRun, launchChromium } from "./Browser.js"

requireBuild()
expectNoLeftoverProcesses()

const SCREENSHOT = Url.fileURLToPath(new URL("./out/console.png", import.meta.url))

const promise = <A>(run: () => Promise<A>) =>
  Effect.tryPromise({ try: run, catch: (error) => error instanceof Error ? error : new Error(String(error)) })

describe("the web console", () => {
  it.scopedLive.skipIf(!browserTestsRun())("signs in by the printed URL, shows Dator and Arca ready, restarts Dator by its button, counts a crash's restart", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const config = writeFile(dir, "node.json", {
        node: { data_dir: "./data" },
        operator: { listen: "127.0.0.1:0" },
        modules: [
          bundledEntryJson("dator", "dator", {
            grants: ["inquirium.request"],
            settings: { identity: "console-news", services: [{ service_type: "news.topical", price: 600 }] }
          }),
          bundledEntryJson("arca", "arca", { grants: ARCA_GRANTS, http: { max_response_bytes: 1_048_576 } })
        ]
      })
      const host = yield* startHost(config)
      const listening = yield* awaitLine(host, /operator API listening on http:\/\/(127\.0\.0\.1:\d+)/).pipe(Effect.timeout("30 seconds"))
      const address = listening[1] ?? ""

      const printed = yield* runCli(["console", "--config", config, "--operator", address])
      expect(printed.stderr).toBe("")
      expect(printed.code).toBe(0)
      const loginUrl = /http:\/\/\S+\/console\/login\?token=\S+/.exec(printed.stdout)?.[0] ?? ""
      expect(loginUrl).toContain(`http://${address}/console/login?token=`)

      const browser = yield* launchChromium
      const context = yield* promise(() => browser.newContext({ viewport: { width: 1200, height: 900 } }))
      const page = yield* promise(() => context.newPage())

      // Signed out, the page says how to sign in.
      yield* promise(() => page.goto(`http://${address}/`))
      yield* promise(() => page.locator("#signed-out").waitFor({ state: "visible" }))

      // The sign-in URL sets an HttpOnly, SameSite=Strict cookie and drops the token from the address bar.
      yield* promise(() => page.goto(loginUrl))
      expect(page.url()).toBe(`http://${address}/`)
      const cookies = yield* promise(() => context.cookies())
      expect(cookies.map((c) => [c.name, c.httpOnly, c.sameSite, c.path])).toEqual([["orbiplex_session", true, "Strict", "/"]])

      const stateCell = (id: string) => page.locator(`tr[data-id="${id}"] td.state`)
      yield* promise(() => stateCell("dator").filter({ hasText: /^ready$/ }).waitFor({ timeout: 30_000 }))
      yield* promise(() => stateCell("arca").filter({ hasText: /^ready$/ }).waitFor({ timeout: 30_000 }))
      expect(yield* promise(() => page.locator("#signed-out").isHidden())).toBe(true)

      // The restart button: the operator's stop-then-start gives Dator a new process (the `restarts`
      // column counts the supervisor's own restarts after a crash, so it stays as it is here).
      const pidCell = page.locator(`tr[data-id="dator"] td.pid`)
      const pidBefore = Number(yield* promise(() => pidCell.textContent()))
      yield* promise(() => page.locator(`tr[data-id="dator"] button[data-action="restart"]`).click())
      yield* promise(() => pidCell.filter({ hasNotText: String(pidBefore) }).filter({ hasText: /^\d+$/ }).waitFor({ timeout: 30_000 }))
      yield* promise(() => stateCell("dator").filter({ hasText: /^ready$/ }).waitFor({ timeout: 30_000 }))
      yield* awaitGone(pidBefore, 5_000)

      // A crash: the supervisor restarts Dator and the console shows its restart count rise.
      const restarts = page.locator(`tr[data-id="dator"] td.restarts`)
      const before = Number(yield* promise(() => restarts.textContent()))
      const crashed = Number(yield* promise(() => pidCell.textContent()))
      process.kill(crashed, "SIGKILL")
      yield* promise(() => restarts.filter({ hasText: new RegExp(`^${before + 1}$`) }).waitFor({ timeout: 30_000 }))
      yield* promise(() => stateCell("dator").filter({ hasText: /^ready$/ }).waitFor({ timeout: 30_000 }))

      // The member's lifecycle facts show the operator's stop and the crash's restart; areas whose
      // routes this node lacks say so.
      yield* promise(() => stateCell("dator").click())
      yield* promise(() => page.locator("#detail-facts tbody tr").filter({ hasText: "(stop)" }).first().waitFor())
      yield* promise(() => page.locator("#detail-facts tbody tr").filter({ hasText: "(restart)" }).first().waitFor())
      yield* promise(() => page.locator("#orders").filter({ hasText: /\S/ }).waitFor())

      Fs.mkdirSync(Path.dirname(SCREENSHOT), { recursive: true })
      yield* promise(() => page.screenshot({ path: SCREENSHOT, fullPage: true }))
      console.log(`console screenshot: ${SCREENSHOT}`)

      const exited = Effect.async<number | null>((resume) => {
        host.once("exit", (code) => resume(Effect.succeed(code)))
      })
      host.kill("SIGINT")
      expect(yield* exited.pipe(Effect.timeout("15 seconds"))).toBe(0)
    }), 180_000)
})
