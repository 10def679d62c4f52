/**
 * `npm run build` step: bundles the compiled command line (dist/src/bin.js) into
 * dist/cli/orbiplex.cjs, and its launcher (dist/src/launch/orbiplex.js) into dist/cli/orbiplex.js,
 * the package's `bin`.
 *
 * Why a bundle: Node resolves, reads and compiles every ES module file on its own, and the
 * unbundled CLI loads about 800 of them (effect's barrel alone is ~300) before it can print
 * `--help`: ~0.9 s on a 2-core machine. One tree-shaken bundle loads in a third of that.
 *
 * Why CommonJS: Node 20 has no compile cache for ES modules, and compiling the bundle is about a
 * third of what is left. A CommonJS bundle runs through `vm.Script`, which takes V8's code cache
 * (src/launch/CompileCache.ts). Each command's handlers stay behind their dynamic `import()` (see
 * cli/Lazy.ts), which the bundler turns into modules initialised on first use, so `--help` still
 * does not evaluate the node's layer graph.
 *
 * Native and optional packages stay outside: better-sqlite3 loads a compiled addon beside its own
 * files, playwright-core is used only by the console test, pg-native is pg's optional binding.
 */
import { build } from "esbuild"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { META_URL } from "../launch/RunBundle.js"

// dist/src/build/BundleCli.js → the package root.
const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..")
const outdir = Path.join(root, "dist", "cli")

// Earlier builds' files (chunks with content hashes) would pile up.
Fs.rmSync(outdir, { recursive: true, force: true })

/**
 * What the launcher can run and hold cheaply:
 * - bin.ts's `#!` line came along, a syntax error inside the launcher's wrapper: a comment of the
 *   same length keeps the source map's lines;
 * - the source stays in memory for V8's lazy compilation, and one non-ASCII character makes V8 hold
 *   all 6.5 million as a two-byte string (13 MB instead of 6.5). esbuild already escapes them in
 *   strings, templates, regular expressions and names (its default `charset: "ascii"`), so what is
 *   left is in comments, where an escape reads as well.
 */
const asLauncherSource = (source: string): string =>
  (source.startsWith("#!") ? `//${source.slice(2)}` : source).replace(
    /[^\x00-\x7f]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`
  )

const common = { bundle: true, platform: "node", target: "node20", logLevel: "warning" } as const

await build({
  ...common,
  entryPoints: [Path.join(root, "dist", "src", "bin.js")],
  outfile: Path.join(outdir, "orbiplex.cjs"),
  format: "cjs",
  sourcemap: "linked",
  external: ["better-sqlite3", "playwright-core", "pg-native"],
  // The launcher passes its own URL (in this same folder) under this name; see RunBundle.
  define: { "import.meta.url": META_URL },
  // `import()` of what stays outside (Node's built-ins, in OpenTelemetry's exporter) as `require`:
  // a `vm.Script` resolves `import()` only through a loader Node 20 still calls experimental.
  supported: { "dynamic-import": false }
})

const bundle = Path.join(outdir, "orbiplex.cjs")
Fs.writeFileSync(bundle, asLauncherSource(Fs.readFileSync(bundle, "utf8")))

await build({
  ...common,
  entryPoints: [Path.join(root, "dist", "src", "launch", "orbiplex.js")],
  outfile: Path.join(outdir, "orbiplex.js"),
  format: "esm"
})
Fs.chmodSync(Path.join(outdir, "orbiplex.js"), 0o755)
