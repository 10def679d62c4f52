/**
 * A small parser of the Prometheus text format for tests: families (HELP, TYPE) and samples with
 * their labels unescaped. It rejects lines that are neither, so a malformed scrape fails the test.
 */

/** One parsed sample. */
export interface ParsedSample {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
}

/** A parsed scrape. */
export interface Exposition {
  readonly types: ReadonlyMap<string, string>
  readonly helps: ReadonlyMap<string, string>
  readonly samples: ReadonlyArray<ParsedSample>
}

const unescape = (text: string): string => text.replace(/\\(.)/g, (_, char: string) => (char === "n" ? "\n" : char))

const parseLabels = (text: string): Record<string, string> => {
  const labels: Record<string, string> = {}
  const pattern = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/gy
  let match: RegExpExecArray | null
  while ((match = pattern.exec(text)) !== null) labels[match[1] ?? ""] = unescape(match[2] ?? "")
  if (pattern.lastIndex !== 0 && pattern.lastIndex !== text.length) throw new Error(`bad labels: ${text}`)
  return labels
}

const parseNumber = (text: string): number =>
  text === "+Inf" ? Infinity : text === "-Inf" ? -Infinity : text === "NaN" ? NaN : Number(text)

/** Parses `text`; throws on a line it does not understand. */
export const parseExposition = (text: string): Exposition => {
  const types = new Map<string, string>()
  const helps = new Map<string, string>()
  const samples: Array<ParsedSample> = []
  for (const line of text.split("\n")) {
    if (line === "") continue
    const help = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line)
    if (help !== null) {
      helps.set(help[1] ?? "", help[2] ?? "")
      continue
    }
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line)
    if (type !== null) {
      types.set(type[1] ?? "", type[2] ?? "")
      continue
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:[^"}]|"(?:[^"\\]|\\.)*")*)\})? (\S+)$/.exec(line)
    if (sample === null) throw new Error(`not a Prometheus line: ${JSON.stringify(line)}`)
    const value = parseNumber(sample[3] ?? "")
    if (Number.isNaN(value) && sample[3] !== "NaN") throw new Error(`bad value in ${JSON.stringify(line)}`)
    samples.push({ name: sample[1] ?? "", labels: sample[2] === undefined ? {} : parseLabels(sample[2]), value })
  }
  return { types, helps, samples }
}
