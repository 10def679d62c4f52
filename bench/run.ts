/**
 * `npm run bench`: every benchmark in turn (or those named: `npm run bench -- supervisor`), then
 * issue 13's table of goals with the figures the suites recorded.
 */
import * as Goals from "./Goals.js"
import { repoRoot } from "./Stats.js"

const suites: Record<string, () => Promise<{ run: () => Promise<void> }>> = {
  supervisor: () => import("./supervisor.js"),
  chain: () => import("./chain.js"),
  provider: () => import("./provider.js"),
  coldstart: () => import("./coldstart.js"),
  scale: () => import("./scale.js")
}

// Options after the suite names belong to the suites (e.g. `scale --sizes 10,50`).
const wanted = process.argv.slice(2).filter((arg, index, all) => !arg.startsWith("--") && !(all[index - 1]?.startsWith("--") ?? false))
const names = wanted.length > 0 ? wanted : Object.keys(suites)
const root = repoRoot()
for (const name of names) {
  const load = suites[name]
  if (load === undefined) {
    console.error(`unknown benchmark "${name}"; known: ${Object.keys(suites).join(", ")}`)
    process.exitCode = 2
    break
  }
  console.log(`\n=== ${name}`)
  await (await load()).run()
  Goals.attach(root, name)
}
Goals.summarize(root)
