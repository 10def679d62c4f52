/**
 * Issue 13's table of goals: each suite records the figures it measures against their baselines from
 * the same run, and `run.ts` prints the whole table at the end (rows no suite measured say so) and
 * writes the goal rows into bench/out/<suite>.json and bench/out/summary.json.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"

/** How a figure is judged against its goal. */
export type Goal =
  /** value / baseline at most `limit` (latency: lower is better). */
  | { readonly kind: "ratioAtMost"; readonly limit: number }
  /** value / baseline at least `limit` (throughput: higher is better). */
  | { readonly kind: "ratioAtLeast"; readonly limit: number }
  /** value at most `limit`, in the figure's unit; the baseline is context only. */
  | { readonly kind: "atMost"; readonly limit: number }
  /** value − baseline at most `limit`, in the figure's unit. */
  | { readonly kind: "addedAtMost"; readonly limit: number }

/** One line of issue 13's table: what is measured, against what, and the goal. */
interface GoalSpec {
  readonly figure: string
  readonly baseline: string
  readonly unit: string
  readonly goal: Goal
}

/** Every row of the table, in the order; suites record against these keys. */
export const catalogue = {
  invokeP50: { figure: "invoke p50, echo module", baseline: "raw undici p50", unit: "ms", goal: { kind: "ratioAtMost", limit: 1.25 } },
  invokeP99: { figure: "invoke p99", baseline: "raw undici p99", unit: "ms", goal: { kind: "ratioAtMost", limit: 1.5 } },
  invokeThroughput32: { figure: "invokes/s at 32 in flight", baseline: "raw undici at 32", unit: "calls/s", goal: { kind: "ratioAtLeast", limit: 0.8 } },
  // Measured with the invoke answered in-process; the baseline (context only) is chain p50 − invoke p50 over loopback.
  chainFixedCost: { figure: "chain of 1 module, fixed cost beyond the invoke", baseline: "chain − invoke p50 (context)", unit: "µs", goal: { kind: "atMost", limit: 30 } },
  providerAddedP50: { figure: "provider call, added at p50", baseline: "raw undici p50", unit: "ms", goal: { kind: "addedAtMost", limit: 0.1 } },
  providerP99: { figure: "provider call p99", baseline: "raw undici p99", unit: "ms", goal: { kind: "ratioAtMost", limit: 1.5 } },
  pipelineRetryStep: { figure: "pipeline step with: { retry: 1 }, overhead per step", baseline: "direct call (per call)", unit: "µs", goal: { kind: "atMost", limit: 5 } },
  helpWall: { figure: "orbiplex --help, wall time", baseline: "bare node -e 0", unit: "ms", goal: { kind: "atMost", limit: 300 } },
  statusWall: { figure: "orbiplex status (no node), wall time", baseline: "bare node -e 0", unit: "ms", goal: { kind: "atMost", limit: 300 } },
  startToSpawn: { figure: "orbiplex start to the first module spawned", baseline: "bare node -e 0", unit: "ms", goal: { kind: "atMost", limit: 400 } },
  hostRssOneModule: { figure: "host RSS with one module", baseline: "bare node -e 0 RSS", unit: "MB", goal: { kind: "atMost", limit: 100 } },
  ready10: { figure: "10 echo modules: start until all ready", baseline: "one module", unit: "ms", goal: { kind: "atMost", limit: 1_000 } },
  ready50: { figure: "50 echo modules: start until all ready", baseline: "one module", unit: "ms", goal: { kind: "atMost", limit: 3_000 } }
} satisfies Record<string, GoalSpec>

/** A key of the table. */
export type GoalId = keyof typeof catalogue

/** One measured row. */
export interface GoalRow {
  readonly id: GoalId
  readonly suite: string
  readonly figure: string
  readonly value: number
  readonly unit: string
  readonly baseline: string
  readonly baselineValue: number | undefined
  /** value / baseline when there is a baseline figure. */
  readonly ratio: number | undefined
  readonly goal: string
  readonly met: boolean
}

const describeGoal = (goal: Goal, unit: string): string => {
  switch (goal.kind) {
    case "ratioAtMost":
      return `≤ ${goal.limit}x`
    case "ratioAtLeast":
      return `≥ ${goal.limit}x`
    case "atMost":
      return `≤ ${goal.limit} ${unit}`
    case "addedAtMost":
      return `≤ +${goal.limit} ${unit}`
  }
}

const isMet = (goal: Goal, value: number, baseline: number | undefined): boolean => {
  switch (goal.kind) {
    case "ratioAtMost":
      return baseline !== undefined && value / baseline <= goal.limit
    case "ratioAtLeast":
      return baseline !== undefined && value / baseline >= goal.limit
    case "atMost":
      return value <= goal.limit
    case "addedAtMost":
      return baseline !== undefined && value - baseline <= goal.limit
  }
}

// Rows of this process's run, by id; a suite run twice keeps its last figure.
const rows = new Map<string, GoalRow>()

/**
 * Records one figure of `suite` against its goal; `baseline` is the same run's baseline figure in
 * the same unit (undefined when the goal has none).
 */
export const recordGoal = (suite: string, id: GoalId, value: number, baseline: number | undefined): GoalRow => {
  const spec: GoalSpec = catalogue[id]
  const row: GoalRow = {
    id,
    suite,
    figure: spec.figure,
    value,
    unit: spec.unit,
    baseline: spec.baseline,
    baselineValue: baseline,
    ratio: baseline === undefined || baseline === 0 ? undefined : value / baseline,
    goal: describeGoal(spec.goal, spec.unit),
    met: isMet(spec.goal, value, baseline)
  }
  rows.set(id, row)
  return row
}

/** The rows `suite` recorded. */
export const rowsOf = (suite: string): ReadonlyArray<GoalRow> => [...rows.values()].filter((row) => row.suite === suite)

const figure = (value: number): string =>
  Math.abs(value) < 1 ? value.toFixed(3) : Math.abs(value) < 100 ? value.toFixed(2) : value.toFixed(0)

const outDir = (root: string): string => {
  const dir = Path.join(root, "bench", "out")
  Fs.mkdirSync(dir, { recursive: true })
  return dir
}

/** Adds `suite`'s goal rows to bench/out/<suite>.json (the suite's own figures stay as it wrote them). */
export const attach = (root: string, suite: string): void => {
  const file = Path.join(outDir(root), `${suite}.json`)
  const previous: unknown = Fs.existsSync(file) ? JSON.parse(Fs.readFileSync(file, "utf8")) : {}
  const base = typeof previous === "object" && previous !== null && !Array.isArray(previous) ? previous : {}
  Fs.writeFileSync(file, JSON.stringify({ name: suite, ...base, goals: rowsOf(suite) }, null, 2))
}

/**
 * Prints every row of the table (measured or not) and writes bench/out/summary.json; rows of suites
 * that did not run in this process are "not measured".
 */
export const summarize = (root: string): void => {
  const header = ["figure", "value", "baseline", "ratio", "goal", ""]
  const specs: ReadonlyArray<[string, GoalSpec]> = Object.entries(catalogue)
  const lines = specs.map(([id, spec]) => {
    const row = rows.get(id)
    if (row === undefined) return [spec.figure, "-", spec.baseline, "-", describeGoal(spec.goal, spec.unit), "not measured"]
    return [
      row.figure,
      // An "added" goal is about the difference, so it is shown beside the value.
      row.baselineValue !== undefined && catalogue[row.id].goal.kind === "addedAtMost"
        ? `${figure(row.value)} ${row.unit} (+${figure(row.value - row.baselineValue)})`
        : `${figure(row.value)} ${row.unit}`,
      row.baselineValue === undefined ? row.baseline : `${row.baseline}: ${figure(row.baselineValue)} ${row.unit}`,
      row.ratio === undefined ? "-" : `${row.ratio.toFixed(2)}x`,
      row.goal,
      row.met ? "met" : "not met"
    ]
  })
  const table = [header, ...lines]
  const widths = header.map((_, column) => Math.max(...table.map((line) => (line[column] ?? "").length)))
  console.log("\n=== goals (issue 13); every baseline is from this run")
  for (const line of table) console.log("  " + line.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join("  "))
  Fs.writeFileSync(
    Path.join(outDir(root), "summary.json"),
    JSON.stringify({ at: new Date().toISOString(), node: process.version, goals: [...rows.values()] }, null, 2)
  )
  console.log("  → bench/out/summary.json")
}
