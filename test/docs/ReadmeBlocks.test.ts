/**
 * Getting started works when pasted: every node config the README and docs/ show (JSON blocks,
 * `"key": …` fragments, module entries, heredocs) decodes with the config schema; every `orbiplex`
 * command they show names a real command and real options of the built CLI, and every `npm run`
 * a real script; the two-node example runs as written up to starting the nodes.
 */
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import * as NodeChild from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { decodeNodeConfig } from "../../src/config/ConfigLoader.js"
import { NodeConfig } from "../../src/config/NodeConfig.js"
import { isJsonObject } from "../../src/contract/Json.js"
import { requireBuild } from "../support/Cli.js"
import { BIN, REPO_ROOT } from "../support/Fixture.js"
import { tempDir } from "../support/TempFiles.js"
import { cliCommands, commandsIn, fencedBlocks, heredocs, inlineSpans, parseJsonBlock } from "./DocBlocks.js"

requireBuild()

const DOCS = ["README.md", ...Fs.readdirSync(Path.join(REPO_ROOT, "docs")).filter((name) => name.endsWith(".md")).map((name) => `docs/${name}`)]
const markdownOf = (doc: string) => Fs.readFileSync(Path.join(REPO_ROOT, doc), "utf8")
const CONFIG_KEYS = new Set(Object.keys(NodeConfig.fields))
const SAMPLE_NODE_ID = "node:did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"

/** The node config a JSON value shows, if it shows one: a whole config (or section) or a module entry. */
const asConfig = (value: unknown): unknown => {
  if (!isJsonObject(value)) return undefined
  const keys = Object.keys(value)
  if (keys.length > 0 && keys.every((key) => CONFIG_KEYS.has(key))) return value
  if ("launch" in value && "module_id" in value) return { modules: [value] }
  return undefined
}

/** Every config a document shows, with where it was found. */
const configsOf = (doc: string): Array<{ readonly where: string; readonly config: unknown }> =>
  fencedBlocks(markdownOf(doc)).flatMap((block, index) => {
    const where = `${doc} block ${index + 1}`
    if (block.lang === "json" || block.lang === "jsonc") {
      const config = asConfig(parseJsonBlock(block.text))
      return config === undefined ? [] : [{ where, config }]
    }
    // Heredocs of shell blocks write configs whose ${VARS} the block fills in (node ids, here).
    return heredocs(block.text).flatMap((body) => {
      const config = asConfig(parseJsonBlock(body.replace(/\$\{?[A-Z_]+\}?/g, SAMPLE_NODE_ID)))
      return config === undefined ? [] : [{ where: `${where} (heredoc)`, config }]
    })
  })

/** Every command line a document shows: in shell and plain blocks, and in inline code. */
const commandsOf = (doc: string): Array<{ readonly where: string; readonly command: string }> => {
  const markdown = markdownOf(doc)
  const inBlocks = fencedBlocks(markdown)
    .filter((block) => block.lang === "" || block.lang === "sh" || block.lang === "bash")
    .flatMap((block, index) => block.text.split("\n").flatMap(commandsIn).map((command) => ({ where: `${doc} block ${index + 1}`, command })))
  const inline = inlineSpans(markdown)
    .filter((span) => /^(npx orbiplex|orbiplex|npm run)\s/.test(span))
    .map((command) => ({ where: `${doc} inline`, command }))
  return [...inBlocks, ...inline]
}

const scripts: Record<string, unknown> = JSON.parse(Fs.readFileSync(Path.join(REPO_ROOT, "package.json"), "utf8"))["scripts"]
const cli = cliCommands()

/** What is wrong with one command line, if anything. */
const commandProblems = (command: string): Array<string> => {
  const tokens = command.replace(/[[\]]/g, " ").split(/\s+/).filter((token) => token !== "")
  if (tokens[0] === "npm") {
    const script = tokens[2] ?? ""
    return script in scripts ? [] : [`npm run ${script}: package.json has no such script`]
  }
  const words = tokens.slice(tokens[0] === "npx" ? 2 : 1)
  const problems: Array<string> = []
  let index = 0
  // Options of the whole program (`--log-level debug`) may come before the command.
  while (index < words.length && (words[index] ?? "").startsWith("-")) {
    const option = words[index] ?? ""
    if (!cli.global.has(option)) problems.push(`${option} is not an option of orbiplex`)
    index += option === "--log-level" ? 2 : 1
  }
  const first = words[index]
  if (first === undefined) return problems
  // A path word may list alternatives (`ledger balances|holds`): each must be a command.
  const paths = first.split("|").flatMap((name) => {
    const subs = cli.commands.filter((c) => c.path.startsWith(`${name} `))
    const next = words[index + 1]
    if (subs.length === 0 || next === undefined || next.startsWith("-")) return [name]
    return next.split("|").map((sub) => `${name} ${sub}`)
  })
  for (const path of paths) {
    const found = cli.commands.find((c) => c.path === path)
    if (found === undefined) {
      problems.push(`"orbiplex ${path}" is not a command (the commands are: ${cli.commands.map((c) => c.path).join(", ")})`)
      continue
    }
    for (const word of words.slice(index)) {
      const option = word.replace(/^['"(]+|['")]+$/g, "").split("=")[0] ?? ""
      if (/^--?[a-z]/.test(option) && !found.options.has(option) && !cli.global.has(option)) {
        problems.push(`${option} is not an option of "orbiplex ${path}"`)
      }
    }
  }
  return problems
}

describe("the README and docs/, pasted", () => {
  it.effect("show node configs that decode with the config schema", () =>
    Effect.gen(function*() {
      const found = DOCS.flatMap(configsOf)
      // The README alone shows the default config, the two peers, hooks, tracing, schedules, storage.
      expect(found.filter((item) => item.where.startsWith("README")).length).toBeGreaterThanOrEqual(7)
      const problems: Array<string> = []
      for (const { config, where } of found) {
        const decoded = yield* Effect.either(decodeNodeConfig(Path.join(REPO_ROOT, "doc-block.json"), config))
        if (Either.isLeft(decoded)) problems.push(`${where}: ${decoded.left.message}`)
      }
      expect(problems).toEqual([])
    }).pipe(Effect.provide(NodeContext.layer)))

  it("show only orbiplex commands, options and npm scripts that exist", () => {
    const found = DOCS.flatMap(commandsOf)
    expect(found.length).toBeGreaterThanOrEqual(30)
    const problems = found.flatMap(({ command, where }) => commandProblems(command).map((problem) => `${where}: ${command}: ${problem}`))
    expect(problems).toEqual([])
  })

  it("catch a command or option that does not exist (the check above can fail)", () => {
    expect(commandProblems("npx orbiplex nodes list")).toHaveLength(1)
    expect(commandProblems("orbiplex validate --konfig x.json")).toEqual(["--konfig is not an option of \"orbiplex validate\""])
    expect(commandProblems("npm run nonsense")).toHaveLength(1)
    expect(commandProblems("orbiplex --log-level debug hook run service.execute --payload @x.json --standalone")).toEqual([])
  })

  it("show the greeter's code as it is in examples/modules/greeter/main.py (which ExternalModule.test runs)", () => {
    const shown = fencedBlocks(markdownOf("docs/writing-modules.md")).find((block) => block.lang === "python")?.text ?? ""
    const source = Fs.readFileSync(Path.join(REPO_ROOT, "examples", "modules", "greeter", "main.py"), "utf8").split("\n")
    const lines = shown.split("\n").filter((line) => line.trim() !== "")
    expect(lines.length).toBeGreaterThan(10)
    expect(lines.filter((line) => !source.includes(line))).toEqual([])
  })

  it.scopedLive("run the two-node example as written, up to starting the nodes", () =>
    Effect.gen(function*() {
      const block = fencedBlocks(markdownOf("README.md")).find((b) => b.lang === "sh" && b.text.includes("orbiplex identity"))
      expect(block).toBeDefined()
      const lines = (block?.text ?? "").split("\n")
      const script = lines.slice(0, lines.findIndex((line) => /orbiplex start/.test(line))).join("\n")
        .replaceAll("npx orbiplex", `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)}`)
      const dir = yield* tempDir
      const run = NodeChild.spawnSync("bash", ["-euo", "pipefail", "-c", script], { cwd: dir, encoding: "utf8" })
      expect(run.stderr).toBe("")
      expect(run.status).toBe(0)
      const seller = Fs.readFileSync(Path.join(dir, "two-nodes", "seller.json"), "utf8")
      const buyer = Fs.readFileSync(Path.join(dir, "two-nodes", "buyer.json"), "utf8")
      // Each names the other's real id, the one its key gives.
      const sellerId = /"node_id": "(node:did:key:z\w+)"/.exec(buyer)?.[1]
      const buyerId = /"node_id": "(node:did:key:z\w+)"/.exec(seller)?.[1]
      expect(sellerId).toBeDefined()
      expect(buyerId).toBeDefined()
      expect(sellerId).not.toBe(buyerId)
      expect(Fs.existsSync(Path.join(dir, "two-nodes", "seller-data", "node-key.pem"))).toBe(true)
    }))
})
