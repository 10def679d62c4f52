/**
 * What the documentation shows, pulled out of its Markdown: fenced blocks, inline code spans, the
 * node configs among JSON blocks (and heredocs), and the `orbiplex` / `npm run` command lines, with
 * the command tree they are checked against (from the built CLI's `--help`).
 */
import * as NodeChild from "node:child_process"
import { BIN } from "../support/Fixture.js"

/** One fenced block: its info string (`json`, `sh`, empty) and text. */
export interface FencedBlock {
  readonly lang: string
  readonly text: string
}

/** Every fenced block of a Markdown text, in order. */
export const fencedBlocks = (markdown: string): Array<FencedBlock> =>
  [...markdown.matchAll(/^```(\w*)[^\n]*\n([\s\S]*?)^```/gm)].map((match) => ({ lang: match[1] ?? "", text: match[2] ?? "" }))

/** Inline code spans outside fenced blocks (`\|` in tables unescaped). */
export const inlineSpans = (markdown: string): Array<string> =>
  [...markdown.replace(/^```[\s\S]*?^```/gm, "").matchAll(/`([^`\n]+)`/g)].map((match) => (match[1] ?? "").replaceAll("\\|", "|"))

/** The body of each `cat > file <<EOF … EOF` in a shell block. */
export const heredocs = (text: string): Array<string> =>
  [...text.matchAll(/<<'?(\w+)'?\n([\s\S]*?)^\1$/gm)].map((match) => match[2] ?? "")

/** A block as JSON: a whole value, or a `"key": value` fragment read as one object; undefined if neither. */
export const parseJsonBlock = (text: string): unknown => {
  const trimmed = text.trim()
  for (const candidate of [trimmed, `{${trimmed}}`]) {
    try {
      return JSON.parse(candidate)
    } catch {
      // Not this reading; the next one (or none) applies.
    }
  }
  return undefined
}

/** Command lines in a shell text: each `orbiplex …` / `npx orbiplex …` / `npm run …` it runs. */
export const commandsIn = (line: string): Array<string> => {
  const withoutComment = line.replace(/(^|\s)#.*$/, "")
  return [...withoutComment.matchAll(/(?:^|\$\(|\$ |&&|\||;|\()\s*((?:npx\s+)?orbiplex\s[^|;&)\n]*|npm run\s[^|;&)\n]*)/g)]
    .map((match) => (match[1] ?? "").trim())
}

/** One command of the CLI: its path (`hook run`) and the options its usage names (`--config`, `-c`). */
export interface CliCommand {
  readonly path: string
  readonly options: ReadonlySet<string>
}

/** The command tree of the built CLI, read from `orbiplex --help` (every command is listed there). */
export const cliCommands = (): { readonly commands: ReadonlyArray<CliCommand>; readonly global: ReadonlySet<string> } => {
  const help = NodeChild.execFileSync(process.execPath, [BIN, "--help"], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } })
    .replace(/\x1b\[[0-9;]*m/g, "")
  const [top = "", list = ""] = help.split(/^COMMANDS$/m)
  const optionsOf = (text: string) => new Set([...text.matchAll(/(?<![\w-])(--?[a-z][a-z-]*)/g)].map((match) => match[1] ?? ""))
  const commands = list.split("\n").flatMap((line) => {
    const match = /^\s+- (.*?)(?:\s{2,}.*)?$/.exec(line)
    if (match === null) return []
    const usage = match[1] ?? ""
    const words = usage.split(/\s+/)
    const path = words.slice(0, words.findIndex((word) => !/^[a-z][a-z-]*$/.test(word)) >>> 0).join(" ")
    return [{ path: path === "" ? usage.trim() : path, options: optionsOf(usage) }]
  })
  return { commands, global: optionsOf(top.split(/^OPTIONS$/m)[1] ?? "") }
}
