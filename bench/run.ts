/**
 * `npm run bench`: every benchmark in turn (or those named: `npm run bench -- supervisor`).
 */
const suites: Record<string, () => Promise<{ run: () => Promise<void> }>> = {
  supervisor: () => import("./supervisor.js"),
  chain: () => import("./chain.js"),
  provider: () => import("./provider.js")
}

const wanted = process.argv.slice(2)
const names = wanted.length > 0 ? wanted : Object.keys(suites)
for (const name of names) {
  const load = suites[name]
  if (load === undefined) {
    console.error(`unknown benchmark "${name}"; known: ${Object.keys(suites).join(", ")}`)
    process.exitCode = 2
    break
  }
  console.log(`\n=== ${name}`)
  await (await load()).run()
}
