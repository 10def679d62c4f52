/**
 * Renders a Metric snapshot (and samples read elsewhere, such as members' states) in the Prometheus
 * text exposition format 0.0.4: one `# HELP` and one `# TYPE` line per family, then its samples,
 * label values escaped. Families are sorted by name and samples by labels, so a scrape is stable.
 */
import { MetricState, Option } from "effect"
import type { MetricPair } from "effect"

/** The content type Prometheus expects for this format. */
export const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

/** A family's type. */
export type FamilyType = "counter" | "gauge" | "histogram" | "summary" | "untyped"

/** One line of a family: `name{labels} value`. */
export interface Sample {
  readonly name: string
  readonly labels: ReadonlyArray<readonly [string, string]>
  readonly value: number
}

/** The samples of one metric name. */
export interface Family {
  readonly name: string
  readonly type: FamilyType
  readonly help: string
  readonly samples: ReadonlyArray<Sample>
}

/** A label value with `\`, `"` and line feeds escaped. */
export const escapeLabel = (value: string): string =>
  value.replace(/\\/g, "\\\\").replace(/"/g, "\\\"").replace(/\n/g, "\\n")

const escapeHelp = (text: string): string => text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")

// Names and label names may hold only [a-zA-Z0-9_:]; anything else becomes "_".
const sanitize = (name: string): string => {
  const clean = name.replace(/[^a-zA-Z0-9_:]/g, "_")
  return /^[0-9]/.test(clean) ? `_${clean}` : clean
}

/** A number as the format writes it (`+Inf`, `-Inf`, `NaN`). */
export const formatValue = (value: number): string =>
  Number.isNaN(value) ? "NaN" : value === Infinity ? "+Inf" : value === -Infinity ? "-Inf" : String(value)

const formatSample = (sample: Sample): string => {
  const labels = sample.labels.map(([key, value]) => `${sanitize(key)}="${escapeLabel(value)}"`).join(",")
  return `${sanitize(sample.name)}${labels === "" ? "" : `{${labels}}`} ${formatValue(sample.value)}`
}

const labelKey = (sample: Sample): string => sample.labels.map(([key, value]) => `${key}=${value}`).join(",")

/** The text of `families`, merged by name (the first family of a name gives its type and help). */
export const render = (families: ReadonlyArray<Family>): string => {
  const byName = new Map<string, { type: FamilyType; help: string; samples: Array<Sample> }>()
  for (const family of families) {
    const name = sanitize(family.name)
    const known = byName.get(name)
    if (known === undefined) byName.set(name, { type: family.type, help: family.help, samples: [...family.samples] })
    else known.samples.push(...family.samples)
  }
  const lines: Array<string> = []
  for (const name of [...byName.keys()].sort()) {
    const family = byName.get(name)
    if (family === undefined) continue
    lines.push(`# HELP ${name} ${escapeHelp(family.help)}`, `# TYPE ${name} ${family.type}`)
    // Stable by labels; a histogram's buckets keep their order within one label set.
    const groups = new Map<string, Array<Sample>>()
    for (const sample of family.samples) {
      const key = labelKey({ ...sample, labels: sample.labels.filter(([label]) => label !== "le" && label !== "quantile") })
      groups.set(key, [...(groups.get(key) ?? []), sample])
    }
    for (const key of [...groups.keys()].sort()) for (const sample of groups.get(key) ?? []) lines.push(formatSample(sample))
  }
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`
}

/** One metric of a snapshot as a family. */
export const familyOf = (pair: MetricPair.MetricPair.Untyped): Family => {
  const { metricKey: key, metricState: state } = pair
  const name = sanitize(key.name)
  const labels: ReadonlyArray<readonly [string, string]> = key.tags.map((label) => [label.key, label.value] as const)
  const help = Option.getOrElse(key.description, () => name)
  const at = (suffix: string, value: number, extra: ReadonlyArray<readonly [string, string]> = []): Sample => ({
    name: `${name}${suffix}`,
    labels: [...labels, ...extra],
    value
  })
  if (MetricState.isCounterState(state)) return { name, type: "counter", help, samples: [at("", Number(state.count))] }
  if (MetricState.isGaugeState(state)) return { name, type: "gauge", help, samples: [at("", Number(state.value))] }
  if (MetricState.isHistogramState(state)) {
    // Effect's buckets are cumulative already and end with +Inf.
    const buckets = state.buckets.map(([boundary, count]) => at("_bucket", count, [["le", formatValue(boundary)]]))
    const withInf = state.buckets.some(([boundary]) => boundary === Infinity)
      ? buckets
      : [...buckets, at("_bucket", state.count, [["le", "+Inf"]])]
    return { name, type: "histogram", help, samples: [...withInf, at("_sum", state.sum), at("_count", state.count)] }
  }
  if (MetricState.isSummaryState(state)) {
    const quantiles = state.quantiles.flatMap(([quantile, value]) =>
      Option.isSome(value) ? [at("", value.value, [["quantile", String(quantile)]])] : []
    )
    return { name, type: "summary", help, samples: [...quantiles, at("_sum", state.sum), at("_count", state.count)] }
  }
  if (MetricState.isFrequencyState(state)) {
    return {
      name,
      type: "counter",
      help,
      samples: [...state.occurrences.entries()].map(([occurrence, count]) => at("", count, [["key", occurrence]]))
    }
  }
  return { name, type: "untyped", help, samples: [] }
}

/** The text of a snapshot plus `extra` families. */
export const renderSnapshot = (
  snapshot: ReadonlyArray<MetricPair.MetricPair.Untyped>,
  extra: ReadonlyArray<Family> = []
): string => render([...snapshot.map(familyOf), ...extra])
