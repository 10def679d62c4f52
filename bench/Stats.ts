/**
 * Small helpers every benchmark shares: percentiles, a printed table, and the JSON record in bench/out.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"

/** Summary of a set of samples in milliseconds. */
export interface Summary {
  readonly n: number
  readonly p50: number
  readonly p90: number
  readonly p99: number
  readonly mean: number
  readonly min: number
  readonly max: number
}

/** Percentiles and mean of `samples` (ms). */
export const summarize = (samples: ReadonlyArray<number>): Summary => {
  const sorted = [...samples].sort((a, b) => a - b)
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN
  const mean = sorted.reduce((sum, x) => sum + x, 0) / Math.max(1, sorted.length)
  return { n: sorted.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), mean, min: sorted[0] ?? NaN, max: sorted.at(-1) ?? NaN }
}

/** Milliseconds with a sensible number of digits. */
export const ms = (value: number): string => (value < 1 ? value.toFixed(3) : value < 100 ? value.toFixed(2) : value.toFixed(0))

/** Times an async function, in milliseconds. */
export const time = async (run: () => Promise<unknown>): Promise<number> => {
  const start = process.hrtime.bigint()
  await run()
  return Number(process.hrtime.bigint() - start) / 1e6
}

/** Prints a titled table of rows. */
export const table = (title: string, rows: ReadonlyArray<ReadonlyArray<string>>): void => {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? "").length))) ?? []
  console.log(`\n${title}`)
  for (const row of rows) console.log("  " + row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join("  "))
}

/** Writes the figures of one benchmark to bench/out/<name>.json so runs can be compared. */
export const record = (root: string, name: string, figures: unknown): void => {
  const dir = Path.join(root, "bench", "out")
  Fs.mkdirSync(dir, { recursive: true })
  Fs.writeFileSync(Path.join(dir, `${name}.json`), JSON.stringify({ name, at: new Date().toISOString(), node: process.version, figures }, null, 2))
  console.log(`  → bench/out/${name}.json`)
}

/** The repository root, from dist/bench/*.js or bench/*.ts alike. */
export const repoRoot = (): string => {
  let dir = Path.dirname(new URL(import.meta.url).pathname)
  while (!Fs.existsSync(Path.join(dir, "package.json"))) {
    const parent = Path.dirname(dir)
    if (parent === dir) return process.cwd()
    dir = parent
  }
  return dir
}
