/**
 * `npm run chaos -- --seconds N [--seed S] [--modules M] [--workers W]`: the chaos run of issue 9 item 7
 * (see ChaosRun.ts). Prints invocations, errors by kind, kills, restarts, p50/p99 during chaos and every
 * violated promise; exits 1 when one was violated.
 */
import { defaultOptions, describeReport, runChaos } from "./ChaosRun.js"
import { record, repoRoot } from "./Stats.js"

const root = repoRoot()
const args = process.argv.slice(2)
const flag = (name: string, fallback: number): number => {
  const at = args.indexOf(`--${name}`)
  const value = at === -1 ? NaN : Number(args[at + 1])
  return Number.isFinite(value) && value > 0 ? value : fallback
}
const defaults = defaultOptions(root)
const options = {
  ...defaults,
  seconds: flag("seconds", defaults.seconds),
  seed: flag("seed", defaults.seed),
  modules: flag("modules", defaults.modules),
  workers: flag("workers", defaults.workers)
}
console.log(`chaos: ${options.seconds} s, seed ${options.seed}, ${options.modules} modules, ${options.workers} callers, deadline ${options.deadlineMs} ms (+${options.marginMs} ms margin)`)
const report = await runChaos(options)
for (const line of describeReport(report)) console.log(`  ${line}`)
record(root, "chaos", { options, report })
const violated = Object.values(report.violations).some((found) => found.length > 0)
console.log(violated ? "  result: promises violated (see above)" : "  result: every promise held")
process.exitCode = violated ? 1 : 0
